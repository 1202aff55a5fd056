//! `lockcheck merge` of comparisons: the `comparison.json` of `compare` runs
//! over disjoint sets of models (the same scenarios), or over disjoint sets
//! of scenarios (the same models), as the one comparison of all of them.

use serde_json::Value;

use crate::scenario::{Scenario, Tier};

/// Merges comparisons that split one matrix by rows (models) or by columns
/// (scenarios). Rows come out in the registry's order and columns in the
/// order `compare` gives them (the standard scenarios by their `column`,
/// then the extra ones), so the result equals the comparison of the whole
/// matrix, apart from its `command`. Refuses comparisons of another
/// lockcheck version or other properties, a model or scenario given twice,
/// and splits that are neither by rows nor by columns.
pub fn merge_comparisons(reports: &[(String, Value)]) -> Result<Value, String> {
    let (first_name, first) = reports.first().ok_or("no reports to merge")?;
    for (name, report) in reports {
        for key in ["lockcheck_version", "properties"] {
            if report[key] != first[key] || report[key].is_null() {
                return Err(format!(
                    "{name}: `{key}` is {}, but in {first_name} it is {}",
                    report[key], first[key]
                ));
            }
        }
    }
    let same = |key: &str| reports.iter().all(|(_, r)| r[key] == first[key]);
    let by_rows = same("columns");
    if !by_rows && !same("rows") {
        return Err(
            "the comparisons share neither their scenarios nor their models: merge splits \
             of one matrix by models (the same scenarios) or by scenarios (the same models)"
                .into(),
        );
    }
    let key_of = |v: &Value, field: &str| v[field].as_str().unwrap_or_default().to_string();
    // Every (row, column) cell, keyed by model and scenario file.
    let mut cells = std::collections::BTreeMap::new();
    let mut rows: Vec<Value> = Vec::new();
    let mut columns: Vec<Value> = Vec::new();
    for (name, report) in reports {
        let (r, c) = (
            as_array(name, report, "rows")?,
            as_array(name, report, "columns")?,
        );
        let split = if by_rows { r } else { c };
        let kept = if by_rows { &mut rows } else { &mut columns };
        let field = if by_rows { "id" } else { "file" };
        for entry in split {
            if kept
                .iter()
                .any(|k| key_of(k, field) == key_of(entry, field))
            {
                return Err(format!(
                    "{name}: {} `{}` is in two of the comparisons",
                    if by_rows { "model" } else { "scenario" },
                    key_of(entry, field)
                ));
            }
            kept.push(entry.clone());
        }
        let all_cells = as_array(name, report, "cells")?;
        if all_cells.len() != r.len() * c.len() {
            return Err(format!(
                "{name}: `cells` does not hold one cell per row and column"
            ));
        }
        for (i, cell) in all_cells.iter().enumerate() {
            let (row, column) = (&r[i / c.len().max(1)], &c[i % c.len().max(1)]);
            cells.insert((key_of(row, "id"), key_of(column, "file")), cell.clone());
        }
    }
    if by_rows {
        columns = as_array(first_name, first, "columns")?.to_vec();
        let order: Vec<&str> = crate::models::catalog().iter().map(|m| m.id).collect();
        rows.sort_by_key(|r| order.iter().position(|id| **id == key_of(r, "id")));
    } else {
        rows = as_array(first_name, first, "rows")?.to_vec();
        columns = in_compare_order(columns)?;
    }
    let mut merged = first.clone();
    merged["command"] = Value::from(format!(
        "lockcheck merge of: {}",
        reports
            .iter()
            .map(|(_, r)| r["command"].as_str().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    let mut grid = Vec::new();
    for row in &rows {
        for column in &columns {
            grid.push(cells[&(key_of(row, "id"), key_of(column, "file"))].clone());
        }
    }
    merged["rows"] = Value::Array(rows);
    merged["columns"] = Value::Array(columns);
    merged["cells"] = Value::Array(grid);
    Ok(merged)
}

fn as_array<'a>(name: &str, report: &'a Value, key: &str) -> Result<&'a [Value], String> {
    report[key]
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| format!("{name}: `{key}`: missing; is this a comparison.json?"))
}

/// Columns as `compare` orders them: the standard scenarios by their
/// `column` key, then by name; the others after them by name. The scenario
/// files are read for their `column`.
fn in_compare_order(columns: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut keyed = Vec::new();
    for column in columns {
        let file = std::path::PathBuf::from(column["file"].as_str().unwrap_or_default());
        let scenario =
            Scenario::load(&file).map_err(|e| format!("to order the merged columns: {e}"))?;
        let standard = scenario.tier == Tier::Standard;
        let key = (
            !standard,
            if standard {
                scenario.column.unwrap_or(u32::MAX)
            } else {
                0
            },
            Scenario::name_of(&file),
        );
        keyed.push((key, column));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, c)| c).collect())
}
