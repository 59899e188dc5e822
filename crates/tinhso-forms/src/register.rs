//! The dossier register (Mẫu 07) as spreadsheet data: CSV for any tool, XLSX for Excel.
//! Both carry the same columns as the printed register.

use jiff::civil::DateTime;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

use crate::forms::{register_cells, REGISTER_COLUMNS};
use crate::model::RegisterRow;
use crate::FormError;

/// The register as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when needed),
/// starting with a UTF-8 byte order mark so that Excel reads the Vietnamese letters as UTF-8.
///
/// Cells whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading
/// apostrophe, so that applicant-typed text cannot run as a spreadsheet formula (CSV
/// injection).
pub fn register_csv(rows: &[RegisterRow]) -> String {
    let mut out = String::from('\u{feff}');
    push_record(&mut out, REGISTER_COLUMNS.iter().copied());
    for row in rows {
        let cells = register_cells(row);
        push_record(&mut out, cells.iter().map(String::as_str));
    }
    out
}

/// A table as CSV, with the register's rules (BOM, RFC 4180 quoting, defused formulas): for
/// any list a user exports (e.g. the dossiers behind a KPI).
pub fn table_csv(columns: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from('\u{feff}');
    push_record(&mut out, columns.iter().copied());
    for row in rows {
        push_record(&mut out, row.iter().map(String::as_str));
    }
    out
}

/// A table as an XLSX workbook of one sheet: bold header row kept in view, autofilter, text
/// cells (strings are never read as formulas by the writer).
pub fn table_xlsx(
    sheet_name: &str,
    columns: &[(&str, f64)],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, FormError> {
    build_table_xlsx(sheet_name, columns, rows).map_err(|e| FormError::Xlsx(e.to_string()))
}

fn build_table_xlsx(
    sheet_name: &str,
    columns: &[(&str, f64)],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color(0x00DD_EBF7);
    let text = Format::new().set_border(FormatBorder::Thin);
    for (col, (title, width)) in columns.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *title, &header)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
            sheet.write_string_with_format(r, col, cell, &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !columns.is_empty() {
        let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        let last_col =
            u16::try_from(columns.len() - 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.autofilter(0, 0, last_row, last_col)?;
    }
    workbook.save_to_buffer()
}

fn push_record<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = defuse_formula(cell);
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

fn defuse_formula(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The register as an XLSX workbook: one sheet "Sổ theo dõi hồ sơ", a bold header row that stays
/// in view, an autofilter, and real date-times (formatted dd/mm/yyyy hh:mm) so the columns
/// sort and filter as dates.
pub fn register_xlsx(rows: &[RegisterRow]) -> Result<Vec<u8>, FormError> {
    build_xlsx(rows).map_err(|e| FormError::Xlsx(e.to_string()))
}

fn build_xlsx(rows: &[RegisterRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Sổ theo dõi hồ sơ")?;
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color(0x00DD_EBF7);
    let text = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let number = Format::new().set_border(FormatBorder::Thin);
    let when = Format::new()
        .set_num_format("dd/mm/yyyy hh:mm")
        .set_border(FormatBorder::Thin);
    const WIDTHS: [f64; 13] = [
        6.0, 28.0, 40.0, 7.0, 24.0, 30.0, 26.0, 16.0, 16.0, 16.0, 16.0, 16.0, 20.0,
    ];
    for (col, (title, width)) in REGISTER_COLUMNS.iter().zip(WIDTHS).enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, width)?;
        sheet.write_string_with_format(0, col, *title, &header)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_number_with_format(r, 0, row.seq, &number)?;
        sheet.write_string_with_format(r, 1, &row.dossier_code, &text)?;
        sheet.write_string_with_format(r, 2, &row.procedure_name, &text)?;
        sheet.write_number_with_format(r, 3, row.sets, &number)?;
        sheet.write_string_with_format(r, 4, &row.applicant_name, &text)?;
        sheet.write_string_with_format(r, 5, &row.applicant_contact, &text)?;
        sheet.write_string_with_format(r, 6, &row.handling_agency, &text)?;
        let moments = [
            Some(row.received_at),
            Some(row.due_at),
            row.transferred_at,
            row.result_at,
            row.delivered_at,
        ];
        for (k, moment) in moments.into_iter().enumerate() {
            let col = 7 + k as u16;
            match moment {
                Some(at) => {
                    sheet.write_datetime_with_format(r, col, excel_datetime(at)?, &when)?;
                }
                None => {
                    sheet.write_string_with_format(r, col, "", &text)?;
                }
            }
        }
        sheet.write_string_with_format(r, 12, &row.note, &text)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    sheet.autofilter(0, 0, last_row, 12)?;
    workbook.save_to_buffer()
}

fn excel_datetime(at: DateTime) -> Result<ExcelDateTime, XlsxError> {
    let year =
        u16::try_from(at.year()).map_err(|_| XlsxError::DateTimeRangeError(at.to_string()))?;
    ExcelDateTime::from_ymd(year, at.month() as u8, at.day() as u8)?.and_hms(
        at.hour() as u16,
        at.minute() as u8,
        at.second() as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        push_record(
            &mut out,
            ["a", "b,c", "say \"hi\"", "=HYPERLINK(\"x\")", "line\nbreak"].into_iter(),
        );
        assert_eq!(
            out,
            "a,\"b,c\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\",\"line\nbreak\"\r\n"
        );
    }
}
