//! Rows on their way into the store, as a table function DuckDB can scan on several
//! threads: `INSERT INTO t SELECT * FROM baove_incoming()` converts and writes the
//! batches in parallel, where the appender does both on one thread (most of a large
//! load's time).
//!
//! A file read in parts is written by one such statement for all its parts: the scan
//! takes each part from the thread that reads and judges the file as it comes. One
//! statement per part cost a 1M-case load a third more: each statement leaves its row
//! groups part-filled, and DuckDB merges and compresses them again at the commit.

use std::collections::VecDeque;
use std::sync::mpsc::Receiver;
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
pub struct Inbox(Arc<Mutex<Delivery>>);

/// What the next scan reads: these batches, then each part received, until the sender
/// hangs up.
#[derive(Default)]
struct Delivery {
    batches: Vec<RecordBatch>,
    more: Option<Receiver<Vec<RecordBatch>>>,
}

impl Inbox {
    pub fn put(&self, batches: Vec<RecordBatch>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Delivery { batches, more: None };
    }

    /// The first part, and the receiver of the parts that follow it.
    pub fn put_stream(&self, first: Vec<RecordBatch>, more: Receiver<Vec<RecordBatch>>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Delivery {
            batches: first,
            more: Some(more),
        };
    }

    /// Empties the inbox (a scan that failed before taking the batches leaves them); a
    /// receiver left here is dropped, so its sender learns that nothing more is read.
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Delivery::default();
    }
}

pub struct Incoming;

pub struct Bound;

/// Slices of at most one DuckDB vector, taken by whichever scan thread asks next, and
/// the receiver of the parts still to come.
pub struct Pending(Mutex<Scanning>);

struct Scanning {
    slices: VecDeque<RecordBatch>,
    more: Option<Receiver<Vec<RecordBatch>>>,
}

/// Cuts batches into slices of at most one DuckDB vector.
fn slice_into(slices: &mut VecDeque<RecordBatch>, batches: Vec<RecordBatch>) {
    // SAFETY: a plain getter of DuckDB's compile-time vector size.
    let vector = unsafe { duckdb::ffi::duckdb_vector_size() } as usize;
    for batch in batches {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let len = vector.min(batch.num_rows() - offset);
            slices.push_back(batch.slice(offset, len));
            offset += len;
        }
    }
}

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
        let delivery = inbox.0.lock().unwrap_or_else(PoisonError::into_inner);
        let schema = delivery
            .batches
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
        let delivery = std::mem::take(&mut *inbox.0.lock().unwrap_or_else(PoisonError::into_inner));
        let mut slices = VecDeque::new();
        slice_into(&mut slices, delivery.batches);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        init.set_max_threads(threads as u64);
        Ok(Pending(Mutex::new(Scanning {
            slices,
            more: delivery.more,
        })))
    }

    fn func(
        func: &TableFunctionInfo<Self>,
        output: &mut DataChunkHandle,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let next = {
            let mut pending = func
                .get_init_data()
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let Scanning { slices, more } = &mut *pending;
            // The next part is awaited under the lock: the other scan threads have
            // nothing to take until it comes either.
            while slices.is_empty() {
                match more.as_ref().map(Receiver::recv) {
                    Some(Ok(part)) => slice_into(slices, part),
                    Some(Err(_)) => *more = None,
                    None => break,
                }
            }
            slices.pop_front()
        };
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
