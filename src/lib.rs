//! Perseus: measures, from the clients' side, how a MySQL-protocol cluster
//! behaves while one of its nodes is cut off or killed.
//!
//! Data flows one way: workers → events → log → tally / analyses → render.

pub mod cluster;
pub mod duration;
pub mod engine_settings;
pub mod event;
pub mod grammar;
pub mod load;
pub mod partition;
pub mod report;
pub mod settings;
pub mod suite;
pub mod supervise;
pub mod tally;
pub mod text;
