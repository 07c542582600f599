//! Publications: each command's use case (`report::gather`, `compare::run`,
//! `revisions::compute`) laid out by the renderers as artefacts, named files of bytes,
//! which one writer (`render::output::write_folder`) puts on disk as a whole. The
//! command line maps its arguments to what is asked and prints what was written; a new
//! output of a command is one renderer and one line here.

pub mod compare;
pub mod dashboard;
pub mod report;
pub mod revisions;
