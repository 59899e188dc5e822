//! app: being written
