//! search: being written
