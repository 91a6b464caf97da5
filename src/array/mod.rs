//! Chunked n-dimensional arrays (`da` in the prelude): a grid of ndarray blocks, Dask Array's experience.
