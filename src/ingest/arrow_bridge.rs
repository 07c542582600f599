//! The hand-over from polars to the store: polars' Arrow arrays leave through the Arrow
//! C data interface and come back as arrow-rs record batches, which the store's table
//! function hands to DuckDB. No copy of the values is made on the way.

use std::sync::Arc;

use arrow::array::{make_array, ArrayRef};
use arrow::datatypes::{Field, Schema};
use arrow::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow::record_batch::RecordBatch;
use polars::prelude::{CompatLevel, DataFrame};

use crate::error::{Error, Result};

/// Converts a polars frame to arrow-rs record batches (one per polars chunk).
pub fn to_record_batches(df: &mut DataFrame) -> Result<Vec<RecordBatch>> {
    // Chunks already aligned across columns (the usual case after a parallel CSV read)
    // go as they are: a batch per chunk, no copy.
    df.align_chunks_par();
    let mut batches = Vec::new();
    // Strings stay views: DuckDB takes them as they are, where the oldest form would
    // copy every string into one buffer first.
    for chunk in df.iter_chunks(CompatLevel::newest(), false) {
        let polars_schema = chunk.schema().clone();
        let mut fields = Vec::with_capacity(chunk.arrays().len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(chunk.arrays().len());
        for (array, field) in chunk.into_arrays().into_iter().zip(polars_schema.iter_values()) {
            let c_schema = polars_arrow::ffi::export_field_to_c(field);
            let c_array = polars_arrow::ffi::export_array_to_c(array);
            // SAFETY: polars-arrow's ArrowSchema/ArrowArray and arrow-rs's FFI_ArrowSchema/
            // FFI_ArrowArray are both #[repr(C)] definitions of the same C structs of the
            // Arrow C data interface; ownership (the release callback) moves with them.
            let (c_schema, c_array): (FFI_ArrowSchema, FFI_ArrowArray) = unsafe {
                (
                    std::mem::transmute::<polars_arrow::ffi::ArrowSchema, FFI_ArrowSchema>(c_schema),
                    std::mem::transmute::<polars_arrow::ffi::ArrowArray, FFI_ArrowArray>(c_array),
                )
            };
            let field = Field::try_from(&c_schema).map_err(arrow_error)?;
            // SAFETY: the array was just exported by polars with this schema.
            let data = unsafe { arrow::ffi::from_ffi(c_array, &c_schema) }.map_err(arrow_error)?;
            fields.push(field);
            arrays.push(make_array(data));
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_error)?;
        batches.push(batch);
    }
    Ok(batches)
}

fn arrow_error(e: arrow::error::ArrowError) -> Error {
    Error::Internal(format!("handing data to the store: {e}"))
}
