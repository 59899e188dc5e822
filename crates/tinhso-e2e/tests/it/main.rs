//! Browser tests: the tinhso server in process on a real TCP port, driven through headless
//! Chromium (Debian's chromium + chromium-driver) with axe-core checking every page visited.
//! How to run and debug: docs/TESTING.md.

#[allow(dead_code)] // not every helper is used by every set of journeys
mod harness;

mod admin;
mod home;
mod ioc;
mod journeys;
mod selftest;
mod signin;
