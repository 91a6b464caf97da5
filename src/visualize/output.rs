//! [`Rendered`], the result of drawing a graph, and [`render`], which makes it: it collapses,
//! draws, renders, and writes the graph file.

use std::fmt;
use std::path::{Path, PathBuf};

use super::VisGraph;
use super::collapse::{collapse, should_collapse};
use super::dot::to_dot;
use super::drawing::Drawing;
use super::options::{Format, Renderer, Visualize};
use super::svg::{builtin_svg, find_dot, run_dot};
use super::text::{graph_text, layers_text};
use crate::error::{Error, Result};

/// A drawn task graph: its DOT text, the SVG (when SVG was written), a text drawing for
/// terminals, and the path of the file written.
///
/// Its `Display` is the text drawing followed by `graph written to PATH`.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
///
/// let x = delayed!(i64::abs(-3));
/// let drawing = x.visualize()?;
/// assert!(drawing.dot().starts_with("digraph"));
/// assert!(drawing.svg().is_some());
/// println!("{drawing}");
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Rendered {
    dot: String,
    svg: Option<String>,
    text: String,
    path: Option<PathBuf>,
}

impl Rendered {
    /// The graph in graphviz's DOT language.
    pub fn dot(&self) -> &str {
        &self.dot
    }

    /// The SVG image, when the format was [`Format::Svg`].
    pub fn svg(&self) -> Option<&str> {
        self.svg.as_deref()
    }

    /// The text drawing: a tree from each result down to its inputs, or one line per layer
    /// for big graphs.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file the graph was written to.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Shows the drawing in the REPL (the text drawing and the file's path) and the kernel
    /// (the SVG image, when there is one).
    pub fn evcxr_display(&self) {
        crate::display::send(&crate::display::Show::forms(self));
    }
}

impl crate::display::Show for Rendered {
    fn forms(&self) -> crate::display::Forms {
        let mut forms = vec![("text/plain", self.to_string())];
        forms.extend(self.svg.clone().map(|svg| ("image/svg+xml", svg)));
        forms
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        if let Some(path) = &self.path {
            write!(f, "\ngraph written to {}", path.display())?;
        }
        Ok(())
    }
}

/// Draws `graph` and writes it to `options.filename`, or else to
/// `<dir>/<default_stem>.<ext>`, `dir` being `$RASK_GRAPH_DIR` or `rask-graphs` in the
/// system temporary directory. `default_stem` (a key, say) is made into a safe file name.
pub(crate) fn render(graph: &VisGraph, options: &Visualize, default_stem: &str) -> Result<Rendered> {
    let dir = match std::env::var_os("RASK_GRAPH_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => std::env::temp_dir().join("rask-graphs"),
    };
    let dot = find_dot(std::env::var_os("PATH").as_deref());
    render_in(graph, options, default_stem, &Env { dot, dir })
}

/// What [`render`] reads from the process environment, passed in so tests need not set it.
pub(crate) struct Env {
    /// The `dot` program, if one was found.
    pub(crate) dot: Option<PathBuf>,
    /// Where files go when no file name is given.
    pub(crate) dir: PathBuf,
}

/// Draws `graph` as SVG with the built-in layout, in memory (the dashboard's graph).
pub(crate) fn render_svg(graph: &VisGraph, options: &Visualize) -> Result<String> {
    check(graph)?;
    let drawing = match should_collapse(graph, options.collapse).then(|| collapse(graph)) {
        Some(layers) => Drawing::of_layers(&layers, options),
        None => Drawing::of_graph(graph, options),
    };
    builtin_svg(&drawing)
}

/// [`render`] with the environment given.
pub(crate) fn render_in(graph: &VisGraph, options: &Visualize, default_stem: &str, env: &Env) -> Result<Rendered> {
    check(graph)?;
    let (path, format) = options.target(&env.dir, &file_stem(default_stem))?;
    let dot_program = choose_dot(format, options.renderer, env.dot.as_deref())?;

    let layers = should_collapse(graph, options.collapse).then(|| collapse(graph));
    let (drawing, text) = match &layers {
        Some(layers) => (Drawing::of_layers(layers, options), layers_text(layers)),
        None => (Drawing::of_graph(graph, options), graph_text(graph)),
    };
    let dot = to_dot(&drawing);

    let (png, svg) = match (format, dot_program) {
        (Format::Dot, _) => (None, None),
        (Format::Png, Some(program)) => (Some(run_dot(program, &dot, "png")?), None),
        (Format::Svg, Some(program)) => {
            let svg = String::from_utf8(run_dot(program, &dot, "svg")?)
                .map_err(|_| Error::Visualize(format!("`{}` wrote SVG that is not UTF-8", program.display())))?;
            (None, Some(svg))
        }
        (Format::Svg, None) => (None, Some(builtin_svg(&drawing)?)),
        (Format::Png, None) => return Err(Error::Internal("PNG without `dot`".into())),
    };
    let bytes = match (&png, &svg) {
        (Some(png), _) => png.as_slice(),
        (None, Some(svg)) => svg.as_bytes(),
        (None, None) => dot.as_bytes(),
    };
    write_file(&path, bytes)?;
    Ok(Rendered { dot, svg, text, path: Some(path) })
}

/// The `dot` program to render `format` with, `None` for the built-in layout (or for DOT
/// text, which needs no renderer); an error when the choice needs a `dot` there is not.
fn choose_dot(format: Format, renderer: Renderer, found: Option<&Path>) -> Result<Option<&Path>> {
    match (format, renderer, found) {
        (Format::Dot, _, _) => Ok(None),
        (Format::Png, Renderer::Builtin, _) => Err(Error::Visualize(
            "Renderer::Builtin can only write SVG; PNG output needs the graphviz `dot` program".into(),
        )),
        (Format::Png, _, None) => {
            Err(Error::Visualize("PNG output needs the graphviz `dot` program on PATH; use Format::Svg".into()))
        }
        (Format::Svg, Renderer::Dot, None) => Err(Error::Visualize(
            "Renderer::Dot needs the graphviz `dot` program on PATH; install graphviz or use Renderer::Builtin".into(),
        )),
        (Format::Svg, Renderer::Builtin, _) => Ok(None),
        (_, _, found) => Ok(found),
    }
}

/// Every edge must name two nodes of the graph.
fn check(graph: &VisGraph) -> Result<()> {
    let n = graph.nodes.len();
    match graph.edges.iter().find(|&&(a, b)| a >= n || b >= n) {
        Some((a, b)) => Err(Error::Internal(format!("visualize: edge ({a}, {b}) in a graph of {n} nodes"))),
        None => Ok(()),
    }
}

/// `stem` as a portable file name: ASCII letters, digits, `-`, `_` and inner dots, each run
/// of anything else one `_`, at most 80 characters; `graph` if nothing is left.
pub(crate) fn file_stem(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
        if out.len() >= 80 {
            break;
        }
    }
    let out = out.trim_matches(|c| c == '_' || c == '.');
    if out.is_empty() { "graph".to_owned() } else { out.to_owned() }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    }
    std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.to_owned(), source })
}
