-- The table perseus loads: one row per worker key.
CREATE DATABASE IF NOT EXISTS lily;
CREATE TABLE IF NOT EXISTS lily.storage (
    id VARCHAR(128) PRIMARY KEY,
    value BIGINT NOT NULL
);
