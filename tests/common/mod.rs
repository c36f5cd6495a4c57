//! Shared by the integration tests.
#![allow(dead_code)]

pub mod browser;
pub mod log;
pub mod mariadb;
pub mod perseus;
pub mod postgres;
pub mod report;
pub mod rng;
