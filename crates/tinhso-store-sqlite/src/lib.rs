//! sqlite backend: being written
