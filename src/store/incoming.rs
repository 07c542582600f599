//! Rows on their way into the store, as a table function DuckDB can scan on several
//! threads: `INSERT INTO t SELECT * FROM baove_incoming()` converts and writes the
//! batches in parallel, where the appender does both on one thread (most of a large
//! load's time).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use arrow::record_batch::RecordBatch;
use duckdb::core::{DataChunkHandle, LogicalTypeHandle};
use duckdb::vtab::{
    record_batch_to_duckdb_data_chunk, to_duckdb_logical_type, BindInfo, InitInfo, TableFunctionInfo, VTab,
};

/// The name the table function is registered under on each store connection.
pub const FUNCTION: &str = "baove_incoming";

/// Batches handed to the next scan of [`FUNCTION`] on this connection.
#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Vec<RecordBatch>>>);

impl Inbox {
    pub fn put(&self, batches: Vec<RecordBatch>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = batches;
    }

    /// Empties the inbox (a scan that failed before taking the batches leaves them).
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

pub struct Incoming;

pub struct Bound;

/// Slices of at most one DuckDB vector, taken by whichever scan thread asks next.
pub struct Pending(Mutex<VecDeque<RecordBatch>>);

fn inbox_of<'a>(extra: *const Inbox) -> Result<&'a Inbox, Box<dyn std::error::Error>> {
    // SAFETY: registered with an `Inbox` as extra info, owned by DuckDB's catalog for the
    // connection's life.
    unsafe { extra.as_ref() }.ok_or_else(|| "baove_incoming: no inbox".into())
}

impl VTab for Incoming {
    type InitData = Pending;
    type BindData = Bound;

    fn bind(bind: &BindInfo) -> Result<Self::BindData, Box<dyn std::error::Error>> {
        let inbox = inbox_of(bind.get_extra_info::<Inbox>())?;
        let batches = inbox.0.lock().unwrap_or_else(PoisonError::into_inner);
        let schema = batches
            .first()
            .ok_or("baove_incoming: nothing to insert")?
            .schema();
        for field in schema.fields() {
            bind.add_result_column(field.name(), to_duckdb_logical_type(field.data_type())?);
        }
        Ok(Bound)
    }

    fn init(init: &InitInfo) -> Result<Self::InitData, Box<dyn std::error::Error>> {
        let inbox = inbox_of(init.get_extra_info::<Inbox>())?;
        let batches = std::mem::take(&mut *inbox.0.lock().unwrap_or_else(PoisonError::into_inner));
        // SAFETY: a plain getter of DuckDB's compile-time vector size.
        let vector = unsafe { duckdb::ffi::duckdb_vector_size() } as usize;
        let mut slices = VecDeque::new();
        for batch in batches {
            let mut offset = 0;
            while offset < batch.num_rows() {
                let len = vector.min(batch.num_rows() - offset);
                slices.push_back(batch.slice(offset, len));
                offset += len;
            }
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        init.set_max_threads(threads as u64);
        Ok(Pending(Mutex::new(slices)))
    }

    fn func(
        func: &TableFunctionInfo<Self>,
        output: &mut DataChunkHandle,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let next = func
            .get_init_data()
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        match next {
            Some(slice) => record_batch_to_duckdb_data_chunk(&slice, output)?,
            None => output.set_len(0),
        }
        Ok(())
    }

    fn parameters() -> Option<Vec<LogicalTypeHandle>> {
        None
    }
}
