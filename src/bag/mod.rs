//! Bags (`db` in the prelude): partitioned collections of arbitrary records, Dask Bag's experience.
