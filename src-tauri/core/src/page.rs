//! Paging of long lists (the dashboard's cases, the open alerts): the UI asks for one page, the
//! store reads that page in SQL (sorted and filtered there) and says how many rows match in all.
//!
//! Invariant: a page never holds more than [`MAX_PAGE_ROWS`] rows, whatever the caller asks for,
//! so no list on the desk grows with the desk.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The most rows one page carries.
pub const MAX_PAGE_ROWS: u32 = 200;

/// Which rows of a list: `limit` rows after the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PageRequest {
    pub offset: u32,
    pub limit: u32,
}

impl PageRequest {
    /// The first page of the dashboard's usual size.
    pub const FIRST: PageRequest = PageRequest { offset: 0, limit: 25 };

    /// The limit the store applies: at least one row, at most [`MAX_PAGE_ROWS`].
    pub fn rows(&self) -> u32 {
        self.limit.clamp(1, MAX_PAGE_ROWS)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::FIRST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_asks_for_at_least_one_row_and_never_more_than_the_maximum() {
        assert_eq!(
            PageRequest { offset: 0, limit: 0 }.rows(),
            1,
            "an empty page would page forever"
        );
        assert_eq!(
            PageRequest {
                offset: 0,
                limit: 10_000
            }
            .rows(),
            MAX_PAGE_ROWS,
            "no page grows with the desk"
        );
        assert_eq!(PageRequest::FIRST.rows(), 25);
    }
}
