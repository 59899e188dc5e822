//! postgres backend: being written
