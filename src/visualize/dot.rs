//! Printing a [`Drawing`] as DOT text, through graphviz-rust's syntax tree and printer.
//!
//! Every id and label is a quoted, escaped DOT string, so keys may hold quotes, parentheses,
//! commas, spaces or backslashes. Output order is the drawing's order: deterministic.

use graphviz_rust::dot_structures::{Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Vertex};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::drawing::{Drawing, Shape};

/// The DOT text of `drawing`.
pub(crate) fn to_dot(drawing: &Drawing) -> String {
    let ids: Vec<NodeId> = drawing.nodes.iter().map(|n| NodeId(quoted(&n.id), None)).collect();
    let mut stmts = Vec::with_capacity(1 + drawing.nodes.len() + drawing.edges.len());
    stmts.push(Stmt::GAttribute(GraphAttributes::Graph(vec![attr("rankdir", plain(drawing.rankdir.as_str()))])));
    for (n, id) in drawing.nodes.iter().zip(&ids) {
        let shape = match n.shape {
            Shape::Circle => "circle",
            Shape::Box => "box",
            Shape::Stack => "box3d",
        };
        let mut attrs = vec![attr("label", quoted(&n.label)), attr("shape", plain(shape))];
        if let Some(fill) = n.fill {
            attrs.push(attr("style", plain("filled")));
            attrs.push(attr("fillcolor", quoted(&fill.to_string())));
        }
        stmts.push(Stmt::Node(Node::new(id.clone(), attrs)));
    }
    // `to_dot` is only called on drawings built in drawing.rs, whose edges are in range;
    // `filter_map` keeps a bad edge from panicking all the same.
    stmts.extend(drawing.edges.iter().filter_map(|&(a, b)| {
        let ty = EdgeTy::Pair(Vertex::N(ids.get(a)?.clone()), Vertex::N(ids.get(b)?.clone()));
        Some(Stmt::Edge(Edge { ty, attributes: Vec::new() }))
    }));
    let graph = Graph::DiGraph { id: plain("rask"), strict: false, stmts };
    graph.print(&mut PrinterContext::default())
}

fn attr(name: &str, value: Id) -> Attribute {
    Attribute(plain(name), value)
}

/// An id printed as is: only for fixed, known-safe words.
fn plain(s: &str) -> Id {
    Id::Plain(s.to_owned())
}

/// A DOT string: in quotes, with `\`, `"` and line breaks escaped.
fn quoted(s: &str) -> Id {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out.push('"');
    Id::Escaped(out)
}
