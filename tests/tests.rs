//! Integration tests: the real `baove` binary, run as a user would, in a fresh temporary
//! folder per test.

mod compare;
mod corpus;
mod dashboard;
mod document;
mod hostile;
mod indicators;
mod intruder;
mod load;
mod parts;
mod provinces;
mod record;
mod report;
mod revisions;
mod util;
