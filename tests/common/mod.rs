//! Shared test helpers: a generator of messy events with known ground truth.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

pub(crate) mod generator;
