//! Turning a simulation into text for people or JSON for programs.

pub mod json;
pub mod text;
