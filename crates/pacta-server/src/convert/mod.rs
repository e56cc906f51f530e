//! Between the wire (`dto`) and the domain (pacta-core): requests to commands,
//! states to read models, events to words.

pub mod input;
pub mod views;
