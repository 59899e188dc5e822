//! web: being written
