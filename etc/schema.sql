-- The one table perseus reads and writes, for a MySQL-protocol node
-- (bin/init-lily.sh applies this file; etc/schema-postgres.sql is PostgreSQL's).
-- Safe to apply again: every statement is IF NOT EXISTS.
CREATE DATABASE IF NOT EXISTS lily;
CREATE TABLE IF NOT EXISTS lily.storage (
    id VARCHAR(128) NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
