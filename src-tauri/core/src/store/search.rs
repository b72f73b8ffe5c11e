//! The search index (`search_docs`, migration 0020) and the search over it, on both engines.
//!
//! Invariants:
//! - The index is kept in step inside each change's transaction: a timeline event is indexed as
//!   it is appended (`timeline::insert_event`; events never change), a case's other rows (its
//!   record, plans, report sections and comments) are compared with what the change left and
//!   only the rows whose text differs are rewritten (`Store::change`, for every case it touched),
//!   a person as they are written. A change that rolls back takes its index rows with it.
//! - `words` is always `search::fold(title + body)` of the row it is stored with (or of the body
//!   alone where the title is the report template's); the engines only tokenize it.
//! - A desk migrated to 0020 is indexed whole at its first open, in one transaction that also
//!   removes the request (`search_rebuild`): a crash mid-build leaves the request for next time.

use std::collections::HashMap;

use rusqlite::params;

use super::db::Db;
use super::Store;
use crate::error::{Error, Result};
use crate::search::{self, SearchGroup, SearchHit, SearchKind, SearchResults};

/// One row of the index, as the store builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Doc {
    kind: SearchKind,
    place: String,
    title: String,
    body: String,
    words: String,
}

impl Doc {
    fn new(kind: SearchKind, place: impl Into<String>, title: String, body: String) -> Doc {
        let words = search::fold(&format!("{title}\n{body}"));
        Doc {
            kind,
            place: place.into(),
            title,
            body,
            words,
        }
    }

    /// A row whose title is not the user's text (a report section's heading is the template's):
    /// only the body is matched, or every report would match "root cause".
    fn body_only(kind: SearchKind, place: impl Into<String>, title: String, body: String) -> Doc {
        Doc {
            words: search::fold(&body),
            ..Doc::new(kind, place, title, body.clone())
        }
    }
}

fn insert(tx: &Db, case_id: Option<i64>, doc: &Doc) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO search_docs (kind, case_id, place, title, body, words) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        doc.kind.as_str(),
        case_id,
        doc.place,
        doc.title,
        doc.body,
        doc.words
    ])?;
    Ok(())
}

/// "plan_revised" as people read it: "Plan revised".
fn event_title(kind: &str) -> String {
    let mut s = kind.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        let upper = first.to_uppercase();
        s.replace_range(0..1, &upper);
    }
    s
}

/// Indexes one timeline event as it is appended.
pub(crate) fn index_event(tx: &Db, case_id: i64, event_id: i64, kind: &str, summary: &str) -> Result<()> {
    insert(
        tx,
        Some(case_id),
        &Doc::body_only(
            SearchKind::Event,
            event_id.to_string(),
            event_title(kind),
            summary.to_owned(),
        ),
    )
}

/// What the index should hold for a case besides its events, read from the case's rows in one
/// statement (this runs inside every change; four reads were four round trips to a team desk).
fn case_docs(tx: &Db, case_id: i64) -> Result<Vec<Doc>> {
    // (kind, place, title, body, author); ordered case, plans, sections, comments.
    type Row = (String, String, String, String, String);
    let rows: Vec<Row> = tx
        .prepare_cached(
            "SELECT 0, 0, 'case', ticket, ticket || ' · ' || title,
                    description || '\n' || agency || '\n' || affected_service || '\n' || reported_by
                    || '\n' || escalation_manager || '\n' || level_reason, ''
             FROM cases WHERE id = ?1
             UNION ALL
             SELECT 1, 0, 'plan', plan, '', actions, '' FROM (SELECT plan, actions FROM plan_revisions
                 WHERE case_id = ?1 AND plan = 'escalation' ORDER BY revision DESC LIMIT 1) e
             UNION ALL
             SELECT 1, 1, 'plan', plan, '', actions, '' FROM (SELECT plan, actions FROM plan_revisions
                 WHERE case_id = ?1 AND plan = 'technical' ORDER BY revision DESC LIMIT 1) t
             UNION ALL
             SELECT 2, s.position, 'section', s.key, s.title, s.body, '' FROM aar_sections s
                 JOIN aars a ON a.id = s.aar_id WHERE a.case_id = ?1 AND s.body <> ''
             UNION ALL
             SELECT 3, c.id, 'comment', s.key, s.title, c.body, c.author FROM aar_comments c
                 JOIN aar_sections s ON s.id = c.section_id JOIN aars a ON a.id = s.aar_id WHERE a.case_id = ?1
             ORDER BY 1, 2",
        )?
        .query_map([case_id], |r| {
            Ok((r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?
        .collect::<Result<_>>()?;
    let mut docs = Vec::new();
    for (kind, place, title, body, author) in rows {
        match kind.as_str() {
            "case" => docs.push(Doc::new(SearchKind::Case, place, title, body)),
            "plan" => {
                // The newest revision's actions' descriptions and the resources they ask for.
                let actions: Vec<crate::plan::Action> = serde_json::from_str(&body)
                    .map_err(|e| Error::Internal(format!("a stored plan of case {case_id} is not readable: {e}")))?;
                if actions.is_empty() {
                    continue;
                }
                let mut lines = Vec::new();
                for a in &actions {
                    lines.push(a.description.clone());
                    lines.extend(a.resources.iter().map(|r| format!("{} ({})", r.what, r.from_whom)));
                }
                let title = if place == "escalation" {
                    "Escalation plan"
                } else {
                    "Technical plan"
                };
                docs.push(Doc::new(SearchKind::Plan, place, title.to_owned(), lines.join("\n")));
            }
            "section" => docs.push(Doc::body_only(SearchKind::Section, place, title, body)),
            _ => docs.push(Doc::new(
                SearchKind::Comment,
                place,
                format!("{author} on {title}"),
                body,
            )),
        }
    }
    Ok(docs)
}

/// Brings a case's rows (all but its events) in step with the case: rows whose text is unchanged
/// stay, the others are replaced.
pub(crate) fn reindex_case(tx: &Db, case_id: i64) -> Result<()> {
    let mut wanted = case_docs(tx, case_id)?;
    let stored: Vec<(i64, Doc)> = tx
        .prepare_cached(
            "SELECT id, kind, place, title, body, words FROM search_docs WHERE case_id = ?1 AND kind <> 'event'",
        )?
        .query_map([case_id], |r| {
            let kind: String = r.get(1)?;
            Ok((
                r.get(0)?,
                Doc {
                    kind: SearchKind::parse(&kind).unwrap_or(SearchKind::Case),
                    place: r.get(2)?,
                    title: r.get(3)?,
                    body: r.get(4)?,
                    words: r.get(5)?,
                },
            ))
        })?
        .collect::<Result<_>>()?;
    for (id, doc) in stored {
        match wanted.iter().position(|w| *w == doc) {
            Some(i) => {
                wanted.swap_remove(i);
            }
            None => {
                tx.prepare_cached("DELETE FROM search_docs WHERE id = ?1")?
                    .execute([id])?;
            }
        }
    }
    for doc in &wanted {
        insert(tx, Some(case_id), doc)?;
    }
    Ok(())
}

/// Brings a person's row in step with the directory.
pub(crate) fn reindex_person(tx: &Db, person_id: i64) -> Result<()> {
    let (name, rest): (String, [String; 5]) = tx
        .prepare_cached("SELECT name, email, title, department, organization, phone FROM people WHERE id = ?1")?
        .query_row([person_id], |r| {
            Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?]))
        })?;
    let body = rest
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    tx.prepare_cached("DELETE FROM search_docs WHERE kind = 'person' AND place = ?1")?
        .execute([person_id.to_string()])?;
    insert(
        tx,
        None,
        &Doc::new(SearchKind::Person, person_id.to_string(), name, body),
    )
}

/// Builds the whole index anew from the desk's rows, inside the caller's transaction.
pub(crate) fn rebuild(tx: &Db) -> Result<usize> {
    tx.execute("DELETE FROM search_docs", [])?;
    let people: Vec<i64> = tx
        .prepare_cached("SELECT id FROM people ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_>>()?;
    for id in &people {
        reindex_person(tx, *id)?;
    }
    let cases: Vec<i64> = tx
        .prepare_cached("SELECT id FROM cases ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_>>()?;
    for id in &cases {
        reindex_case(tx, *id)?;
    }
    // Events in the order they were appended, so "newest first" by row is newest first by time.
    let mut events = tx.prepare_cached("SELECT id, case_id, kind, summary FROM timeline_events ORDER BY id")?;
    let rows = events
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>>>()?;
    drop(events);
    for (id, case_id, kind, summary) in &rows {
        index_event(tx, *case_id, *id, kind, summary)?;
    }
    tx.execute("DELETE FROM search_rebuild", [])?;
    Ok(people.len() + cases.len() + rows.len())
}

/// Builds the index if a migration asked for it (see the module's invariants). On a team desk a
/// login that may not write (a viewer) leaves it for the next workstation that may.
pub fn rebuild_if_asked(store: &Store) -> Result<()> {
    let asked: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM search_rebuild", [], |r| r.get(0))?;
    if asked == 0 {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let tx = store.conn().transaction()?;
    match rebuild(&tx) {
        Ok(rows) => {
            tx.commit()?;
            log::info!("search index built: {rows} rows in {:?}", started.elapsed());
            Ok(())
        }
        Err(e) if store.conn().is_postgres() => {
            log::warn!("the search index was not built by this login ({e}); another workstation will build it");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// How many hits of each kind a search shows.
pub const HITS_PER_KIND: usize = 8;

/// Searches the desk for `query` (see `search::terms`), newest first within each kind. An
/// empty result for a query with no usable words.
pub fn search(store: &Store, query: &str, per_kind: usize) -> Result<SearchResults> {
    if query.chars().count() > search::MAX_QUERY_CHARS {
        return Err(Error::Invalid(vec![crate::error::FieldError::new(
            "query",
            format!("A search is at most {} characters.", search::MAX_QUERY_CHARS),
        )]));
    }
    let terms = search::terms(query);
    let mut groups = Vec::new();
    if terms.is_empty() {
        return Ok(SearchResults { terms, groups });
    }
    let conn = store.conn();
    let matcher = if conn.is_postgres() {
        search::tsquery(&terms)
    } else {
        search::fts5_query(&terms)
    };
    let per_kind = per_kind.clamp(1, 100);
    let mut stmt = conn.prepare_cached(conn.dialect().search)?;
    for kind in SearchKind::ALL {
        let mut hits: Vec<SearchHit> = stmt
            .query_map(params![kind.as_str(), matcher, per_kind as i64 + 1], |r| {
                Ok(SearchHit {
                    kind,
                    case_id: r.get(0)?,
                    ticket: r.get(1)?,
                    place: r.get(2)?,
                    title: search::highlight(&r.get::<_, String>(3)?, &terms),
                    snippet: search::snippet(&r.get::<_, String>(4)?, &terms),
                })
            })?
            .collect::<Result<_>>()?;
        if hits.is_empty() {
            continue;
        }
        let more = hits.len() > per_kind;
        hits.truncate(per_kind);
        groups.push(SearchGroup { kind, hits, more });
    }
    Ok(SearchResults { terms, groups })
}

/// How many index rows of each kind a desk holds (the tests compare it with the desk's rows).
pub fn index_counts(store: &Store) -> Result<HashMap<String, i64>> {
    store
        .conn()
        .prepare_cached("SELECT kind, COUNT(*) FROM search_docs GROUP BY kind")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}
