//! Hostile input (issue 15): one list of injection payloads put into the text fields that reach
//! each way out of the desk — the mail the outbox queues, the report and briefing PDFs, the review
//! invitation's iCalendar and the directory's CSV export — through the store API as the app's
//! commands call it, on each engine.
//!
//! What each test holds to, whatever the payload:
//! - mail: a CR/LF never starts a header (the header set is exactly the builder's own, the
//!   recipients are the ones chosen), the subject and sender read back as typed, the HTML part
//!   carries the payload escaped and the text part as typed;
//! - PDF: the render succeeds and a reader sees the characters typed, in the order typed;
//! - iCalendar: a payload stays inside its property (no property, parameter or component appears
//!   that the writer did not write) and reads back as typed;
//! - CSV: no cell starts as a formula, and every cell reads back as stored (quotes, CR/LF and
//!   bidi controls included);
//! - size: a word past a field's limit is refused with a validation error and changes nothing; a
//!   word of exactly the limit is stored and rendered.
//!
//! The screens are covered by `tests/e2e/hostile-input.test.mjs`.

mod common;

use base64::Engine as _;
use common::{appoint_core_team, be, count, new_case, pdftotext, person};
use escalation_core::case::{CaseFields, Level};
use escalation_core::Store;

/// The payloads, each with a name for failure messages. Every one is distinct after trimming (the
/// store trims text), so each can name its own directory entry.
const PAYLOADS: &[(&str, &str)] = &[
    ("script element", "<script>alert(1)</script>"),
    ("image with onerror", "<img src=x onerror=alert(1)>"),
    ("svg with onload", "<svg onload=alert(1)>"),
    ("attribute breakout", "\"><img src=x onerror=\"window.__pwned=1\">'"),
    ("hyperlink formula", "=HYPERLINK(\"http://evil\",\"x\")"),
    ("DDE command", "+cmd|' /C calc'!A0"),
    ("minus formula", "-2+3"),
    ("at formula", "@SUM(A1)"),
    ("tab-prefixed formula", "\t=SUM(1+1)"),
    ("CR-prefixed formula", "\r=SUM(2+2)"),
    ("CRLF header injection", "Subject\r\nBcc: evil@example.com"),
    ("LF header injection", "Hello\nBcc: evil2@example.com\nX-Evil: 1"),
    (
        "iCalendar specials",
        "Room 4; floor 2, wing: B\r\nATTENDEE:mailto:evil@example.com",
    ),
    ("right-to-left override", "invoice\u{202E}fdp.exe"),
    ("bidi isolates", "\u{2066}isolated\u{2069} text"),
    ("zero-width characters", "zero\u{200B}width\u{200D}joiner\u{FEFF}mark"),
];

/// A word of 1 MiB: past every text limit in `limits.rs`.
fn megabyte_word() -> String {
    "W".repeat(1 << 20)
}

/// A word of exactly `chars` characters, all `c` (outside ASCII, so bytes and characters differ,
/// and each field its own letter, so a reader can count where each one went).
fn word_of(chars: usize, c: char) -> String {
    std::iter::repeat_n(c, chars).collect()
}

/// `text` as the store keeps it: trimmed.
fn stored(text: &str) -> &str {
    text.trim()
}

/// The payload's first characters, for failure messages (never the whole of a long one).
fn short(text: &str) -> String {
    format!("{:?}", text.chars().take(60).collect::<String>())
}

// ---- reading a message as a mail client does ---------------------------------------------------

/// One MIME entity: its header fields (unfolded, in order) and its body, decoded.
struct Entity {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    parts: Vec<Entity>,
}

impl Entity {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn one(&self, name: &str) -> &str {
        let found = self.header(name);
        assert_eq!(found.len(), 1, "exactly one {name} header");
        found[0]
    }

    /// The decoded text of the first part (at any depth) whose type starts with `mime_type`.
    fn text(&self, mime_type: &str) -> Option<String> {
        let own = self.header("Content-Type").first().map(|t| t.to_ascii_lowercase());
        if self.parts.is_empty() && own.is_some_and(|t| t.starts_with(mime_type)) {
            return Some(String::from_utf8(self.body.clone()).expect("a text part is UTF-8"));
        }
        self.parts.iter().find_map(|p| p.text(mime_type))
    }
}

/// Parses `raw` strictly: a CR or LF that is not part of a CRLF in the header block, or a header
/// line that is not `Name: value`, fails the test (a lenient reader could take either as a header).
fn parse_mime(raw: &[u8]) -> Entity {
    let text = std::str::from_utf8(raw).expect("the message is UTF-8");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("a header block ends with an empty line");
    let bytes = head.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'\r' => assert_eq!(bytes.get(i + 1), Some(&b'\n'), "a bare CR in the header block"),
            b'\n' => assert_eq!(bytes[i - 1], b'\r', "a bare LF in the header block"),
            _ => {}
        }
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            // RFC 5322 unfolding: the CRLF goes, the whitespace stays.
            headers
                .last_mut()
                .expect("a continuation follows a header")
                .1
                .push_str(line);
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("a header line is `Name: value`: {}", short(line)));
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "a header name is a token: {}",
            short(name)
        );
        headers.push((name.to_owned(), value.trim_start().to_owned()));
    }
    let content_type = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut parts = Vec::new();
    let mut decoded = Vec::new();
    if content_type.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .expect("a multipart has a boundary")
            .trim_matches('"');
        let delimiter = format!("--{boundary}");
        let mut pieces = body.split(delimiter.as_str());
        pieces.next(); // the preamble
        for piece in pieces {
            if piece.starts_with("--") {
                break; // the close delimiter
            }
            let piece = piece.strip_prefix("\r\n").expect("a delimiter line ends with CRLF");
            let piece = piece.strip_suffix("\r\n").unwrap_or(piece);
            parts.push(parse_mime(piece.as_bytes()));
        }
    } else {
        let encoding = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_else(|| "7bit".into());
        decoded = match encoding.as_str() {
            "base64" => {
                let clean: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(clean)
                    .expect("a base64 body decodes")
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.as_bytes().to_vec(),
        };
    }
    Entity {
        headers,
        body: decoded,
        parts,
    }
}

fn quoted_printable(body: &str) -> Vec<u8> {
    let bytes = body.replace("=\r\n", "").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("an escape is two hex digits");
            out.push(u8::from_str_radix(hex, 16).expect("an escape is two hex digits"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// A header value with its RFC 2047 encoded words decoded (whitespace between two encoded words
/// is not part of the text, RFC 2047 §6.2).
fn decode_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut rest = value;
    let mut after_word = false;
    while !rest.is_empty() {
        let gap = rest.len() - rest.trim_start().len();
        let next = &rest[gap..];
        if let Some(word) = next.strip_prefix("=?") {
            let (charset, word) = word.split_once('?').expect("an encoded word has a charset");
            let (kind, word) = word.split_once('?').expect("an encoded word has an encoding");
            let (data, tail) = word.split_once("?=").expect("an encoded word ends with ?=");
            assert!(charset.eq_ignore_ascii_case("utf-8"), "charset {charset}");
            assert!(kind.eq_ignore_ascii_case("b"), "the builder writes base64 words");
            if !after_word {
                out.extend_from_slice(&rest.as_bytes()[..gap]);
            }
            out.extend(base64::engine::general_purpose::STANDARD.decode(data).expect("base64"));
            rest = tail;
            after_word = true;
        } else {
            let end = next.find(char::is_whitespace).unwrap_or(next.len());
            out.extend_from_slice(&rest.as_bytes()[..gap + end]);
            rest = &next[end..];
            after_word = false;
        }
    }
    String::from_utf8(out).expect("decoded header text is UTF-8")
}

/// `text` with every line break as LF: a text part's lines end with CRLF whatever was typed.
fn lines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A display name as a header carries it: one line, each control character a space.
fn one_line(name: &str) -> String {
    let spaced: String = name.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.trim().to_owned()
}

/// The escaping a browser needs in element text and attribute values: the test's own reference,
/// independent of the product's `html_escape`.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The elements our mail templates write; any other in an HTML part came from a payload.
const TEMPLATE_ELEMENTS: &[&str] = &[
    "!doctype", "html", "body", "h2", "h3", "p", "br", "hr", "table", "tr", "th", "td", "b", "small", "pre",
];

/// Every tag of an HTML text: what follows each `<`, up to its `>`.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .map(|t| t.split_once('>').map_or(t, |(inside, _)| inside).to_owned())
        .collect()
}

/// Every header a message the outbox builds may have; a payload adding one is an injection.
const MESSAGE_HEADERS: &[&str] = &[
    "From",
    "Subject",
    "Message-ID",
    "Date",
    "User-Agent",
    "To",
    "MIME-Version",
    "Content-Type",
];

/// The stored messages of a purpose, oldest first: (recipients, subject, MIME).
fn queued(store: &Store, purpose: &str) -> Vec<(Vec<String>, String, String)> {
    store
        .conn()
        .prepare_cached("SELECT recipients, subject, mime FROM outbox WHERE purpose = ?1 ORDER BY id")
        .unwrap()
        .query_map([purpose], |r| {
            let recipients: String = r.get(0)?;
            Ok((
                serde_json::from_str(&recipients).expect("recipients are a JSON list"),
                r.get(1)?,
                r.get(2)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Checks one built message: only the builder's headers, the chosen recipients only, the subject
/// and sender as typed, `payload` escaped in the HTML part and as typed in the text part.
fn assert_inert_message(name: &str, mime: &str, recipients: &[String], subject: &str, sender: &str, payload: &str) {
    assert!(
        mime.split("\r\n").all(|line| line.len() <= 998),
        "{name}: every line of the message is within RFC 5322's 998 octets"
    );
    let m = parse_mime(mime.as_bytes());
    let names: Vec<&str> = m.headers.iter().map(|(n, _)| n.as_str()).collect();
    for n in &names {
        assert!(
            MESSAGE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(n)),
            "{name}: the payload made a header {n:?}"
        );
    }
    for h in MESSAGE_HEADERS {
        assert_eq!(m.header(h).len(), 1, "{name}: exactly one {h} header");
    }
    let to: Vec<String> = m
        .one("To")
        .split(',')
        .map(|a| a.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
        .collect();
    assert_eq!(to, recipients, "{name}: the message goes to the chosen people only");
    assert_eq!(
        decode_words(m.one("Subject")),
        subject,
        "{name}: the subject reads back as typed, inside its one header"
    );
    let from = decode_words(m.one("From"));
    let (display, address) = from.rsplit_once(" <").expect("From is `name <address>`");
    // A name written as a quoted string carries backslash escapes; an encoded word carries none.
    let display = match display.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\\\\", "\u{0}").replace('\\', "").replace('\u{0}', "\\"),
        None => display.to_owned(),
    };
    assert_eq!(
        display,
        one_line(sender),
        "{name}: the sender's name reads back as typed, its line breaks as spaces"
    );
    assert_eq!(
        address, "escalations@doit.state.gov>",
        "{name}: the sender's address, whole"
    );
    let text = m.text("text/plain").expect("a text part");
    assert!(
        lines(&text).contains(&lines(payload)),
        "{name}: the text part carries the payload as typed"
    );
    let html = m.text("text/html").expect("an HTML part");
    for tag in tags(&html) {
        let lower = tag.to_ascii_lowercase();
        let element = lower
            .trim_start_matches('/')
            .split([' ', '>'])
            .next()
            .unwrap_or_default();
        assert!(
            TEMPLATE_ELEMENTS.contains(&element),
            "{name}: the payload made an element: {}",
            short(&tag)
        );
        assert!(
            !lower.split_whitespace().any(|a| a.starts_with("on")),
            "{name}: the payload made an event handler: {}",
            short(&tag)
        );
    }
    // Paragraph text turns line breaks into <br>, so each line of the payload is looked for.
    for line in payload.split(['\r', '\n']).filter(|l| !l.is_empty()) {
        assert!(
            html.contains(&escaped(line)),
            "{name}: the HTML part carries {} escaped",
            short(line)
        );
    }
}

fn configure_mail(store: &mut Store, sender_name: &str) {
    escalation_core::store::mail_settings::update_smtp_settings(
        store,
        &escalation_core::mail::settings::SmtpSettings {
            host: "127.0.0.1".into(),
            port: 2525,
            security: escalation_core::mail::settings::Security::Plain,
            username: String::new(),
            sender_name: sender_name.into(),
            sender_address: "escalations@doit.state.gov".into(),
            extra_ca_pem: String::new(),
        },
    )
    .unwrap();
}

/// Case fields with `payload` in every free-text field that reaches an output.
fn hostile_fields(ticket: &str, payload: &str) -> CaseFields {
    CaseFields {
        title: payload.into(),
        description: payload.into(),
        agency: payload.into(),
        affected_service: payload.into(),
        reported_by: payload.into(),
        ..common::fields(ticket)
    }
}

#[test]
fn a_payload_in_a_case_a_progress_note_a_customer_update_or_the_senders_name_never_makes_a_header_and_is_escaped_in_html(
) {
    use escalation_core::communication::{ContactKind, CustomerUpdateInput, ProgressInput, UpdateChannel};
    use escalation_core::store::cases::insert_case;
    use escalation_core::store::communications::{
        insert_customer_update, insert_progress_update, update_case_contacts,
    };
    let mut t = common::store();
    for (i, (name, payload)) in PAYLOADS.iter().enumerate() {
        let p = stored(payload);
        configure_mail(&mut t.store, payload);
        // The author's name is printed in each body: the one changing the desk is the payload too.
        be(
            &mut t.store,
            payload,
            "dana.whitfield@doit.state.gov",
            "Escalation manager",
        );
        let ticket = format!("INC{:07}", i + 1);
        let mut new = new_case(&ticket, Level::Escalated);
        new.fields = hostile_fields(&ticket, payload);
        new.level_reason = payload.to_string();
        let case = insert_case(&mut t.store, &new).unwrap_or_else(|e| panic!("{name}: the case opens: {e}"));
        appoint_core_team(&mut t.store, case.id);
        let customer = person(
            &mut t.store,
            &format!("Customer {i}"),
            &format!("customer{i}@dws.state.gov"),
            &[],
        );
        update_case_contacts(&mut t.store, case.id, ContactKind::Customer, &[customer]).unwrap();
        let progress = ProgressInput {
            headline: payload.to_string(),
            details: payload.to_string(),
        };
        insert_progress_update(&mut t.store, case.id, &progress).unwrap_or_else(|e| panic!("{name}: {e}"));
        let update = CustomerUpdateInput {
            channel: UpdateChannel::Email,
            summary: payload.to_string(),
            major: true,
        };
        insert_customer_update(&mut t.store, case.id, &update).unwrap_or_else(|e| panic!("{name}: {e}"));

        let progress = queued(&t.store, "progress");
        let (to, subject, mime) = progress.last().expect("the progress notice is queued");
        assert_eq!(subject, &format!("[{ticket}] Progress: {p}"), "{name}");
        assert_eq!(
            to,
            &[
                format!("abrm{}@doit.state.gov", case.id),
                format!("owner{}@doit.state.gov", case.id)
            ],
            "{name}: the team, and no one the payload named"
        );
        assert_inert_message(&format!("{name} (progress)"), mime, to, subject, p, p);

        let updates = queued(&t.store, "customer_update");
        let (to, subject, mime) = updates.last().expect("the customer update is queued");
        assert_eq!(subject, &format!("[{ticket}] Major development: {p}"), "{name}");
        assert_eq!(to, &[format!("customer{i}@dws.state.gov")], "{name}");
        assert_inert_message(&format!("{name} (customer update)"), mime, to, subject, p, p);
    }
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%example.com%'"
        ),
        0,
        "no address a payload names is ever a recipient"
    );
}

// ---- PDF -------------------------------------------------------------------------------------

/// Zero-width and bidi formatting characters: no ink of their own, so a reader of paper sees
/// the text without them.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}'
    )
}

/// What a reader sees of `text` on paper: its characters in the order typed, without the
/// invisible ones, its runs of whitespace (line breaks and tabs included) as single spaces.
fn visible(text: &str) -> String {
    let inked: String = text.chars().filter(|c| !invisible(*c)).collect();
    flat(&inked)
}

/// One line of text, whatever pdftotext did with its spacing.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A case with `payload` in every text field that the report and the briefing print, written by
/// someone whose name is the payload, with a team member of that name too, and an AAR whose first
/// free-text section is the payload.
fn hostile_case(store: &mut Store, i: usize, payload: &str) -> i64 {
    use escalation_core::store::aar::{get_aar, insert_aar, update_aar_section};
    use escalation_core::store::cases::insert_case;
    use escalation_core::team::{Appointment, TeamRole};
    be(store, payload, "dana.whitfield@doit.state.gov", "Escalation manager");
    let ticket = format!("INC{:07}", i + 1);
    let mut new = new_case(&ticket, Level::Escalated);
    new.fields = CaseFields {
        escalation_manager: payload.into(),
        ..hostile_fields(&ticket, payload)
    };
    new.level_reason = payload.into();
    let case = insert_case(store, &new).unwrap_or_else(|e| panic!("{}: the case opens: {e}", short(payload)));
    appoint_core_team(store, case.id);
    let expert = person(store, payload, &format!("expert{i}@doit.state.gov"), &[]);
    escalation_core::store::team::insert_member(
        store,
        case.id,
        &Appointment {
            person_id: expert,
            role: TeamRole::SubjectMatterExpert,
        },
    )
    .unwrap();
    insert_aar(store, case.id).unwrap();
    let aar = get_aar(store.conn(), case.id).unwrap().unwrap();
    let section = aar
        .sections
        .iter()
        .find(|s| s.source == escalation_core::aar::SectionSource::Text)
        .expect("the template has a free-text section");
    update_aar_section(store, section.id, section.version, payload).unwrap();
    case.id
}

/// `text` with no whitespace at all: a word broken across lines reads whole again.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect()
}

/// What a reader of `pdf` sees, checked for the marks a failed cleaning would leave: no invisible
/// character reaches the text, and no `?` stands for one (the payloads have none).
fn read_pdf(name: &str, what: &str, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "{name}: the {what} is a PDF");
    let text = pdftotext(pdf);
    assert!(
        !text.chars().any(invisible),
        "{name}: an invisible character reached the {what}'s text"
    );
    assert!(!text.contains('?'), "{name}: the {what} printed a `?` nobody typed");
    flat(&text)
}

#[test]
fn the_report_and_the_briefings_print_every_payload_as_the_characters_typed() {
    use escalation_core::store::aar::pdf_document;
    use escalation_core::store::briefings::{case_briefing_pdf, portfolio_briefing_pdf};
    let mut t = common::store();
    let mut titles = Vec::new();
    for (i, (name, payload)) in PAYLOADS.iter().enumerate() {
        let id = hostile_case(&mut t.store, i, payload);
        let want = visible(payload);
        let doc = pdf_document(&t.store, id).unwrap().3;
        let pdf =
            escalation_core::aar_pdf::render_pdf(&doc).unwrap_or_else(|e| panic!("{name}: the report renders: {e}"));
        let report = read_pdf(name, "report", &pdf);
        // The cover's title, agency and author, the free-text section and the team section's
        // manager line are full-width text; the timeline and team tables print it again.
        assert!(
            report.matches(&want).count() >= 5,
            "{name}: the report prints {} as typed in every place it belongs, found {} times",
            short(&want),
            report.matches(&want).count()
        );
        let briefing = case_briefing_pdf(&t.store, id).unwrap_or_else(|e| panic!("{name}: the briefing renders: {e}"));
        let briefing = read_pdf(name, "case briefing", &briefing);
        // The title, the description, and the summary's agency, service, reason and manager.
        assert!(
            briefing.matches(&want).count() >= 6,
            "{name}: the briefing prints {} as typed in every place it belongs, found {} times",
            short(&want),
            briefing.matches(&want).count()
        );
        titles.push((name, squeezed(&want)));
    }
    let today = chrono::Utc::now().date_naive();
    let period = escalation_core::figures::Period {
        from: today - chrono::Duration::days(1),
        to: today + chrono::Duration::days(1),
    };
    let pdf = portfolio_briefing_pdf(&t.store, &period).expect("the portfolio briefing renders");
    let portfolio = squeezed(&read_pdf("every payload", "portfolio briefing", &pdf));
    for (name, title) in titles {
        assert!(
            portfolio.contains(&title),
            "{name}: the portfolio lists the case's title as typed"
        );
    }
}

// ---- iCalendar --------------------------------------------------------------------------------

/// A property as parsed: its name, its parameters (key, value) and its value.
type Property = (String, Vec<(String, String)>, String);

/// A parsed component: its properties in order, and its children.
struct Component {
    name: String,
    props: Vec<Property>,
    children: Vec<Component>,
}

impl Component {
    fn names(&self) -> Vec<&str> {
        self.props.iter().map(|(n, _, _)| n.as_str()).collect()
    }
    fn value(&self, name: &str) -> &str {
        let found: Vec<_> = self.props.iter().filter(|(n, _, _)| n == name).collect();
        assert_eq!(found.len(), 1, "{} has one {name}", self.name);
        &found[0].2
    }
}

/// Reads `ics` with the icalendar crate's parser (not our writer's own idea of the format).
fn parse_ics(ics: &str) -> Component {
    fn component(c: &icalendar::parser::Component<'_>) -> Component {
        Component {
            name: c.name.to_string(),
            props: c
                .properties
                .iter()
                .map(|p| {
                    let params = p
                        .params
                        .iter()
                        .map(|q| {
                            (
                                q.key.to_string(),
                                q.val.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                            )
                        })
                        .collect();
                    (p.name.to_string(), params, p.val.to_string())
                })
                .collect(),
            children: c.components.iter().map(component).collect(),
        }
    }
    let unfolded = icalendar::parser::unfold(ics);
    let cal = icalendar::parser::read_calendar(&unfolded).unwrap_or_else(|e| panic!("the invitation parses: {e}"));
    Component {
        name: "VCALENDAR".into(),
        props: cal
            .properties
            .iter()
            .map(|p| (p.name.to_string(), Vec::new(), p.val.to_string()))
            .collect(),
        children: cal.components.iter().map(component).collect(),
    }
}

/// The first `property`'s TEXT value read from the unfolded file, strictly (RFC 5545 §3.3.11): a
/// `;` or `,` must come escaped, or a reader stricter than the icalendar crate (which reads these
/// values for us, already unescaped) could split the value there.
fn raw_text(ics: &str, property: &str) -> String {
    let unfolded = icalendar::parser::unfold(ics);
    let line = unfolded
        .split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{property}:")))
        .unwrap_or_else(|| panic!("a {property} line"));
    unescape_text(line)
}

fn unescape_text(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(c @ ('\\' | ';' | ',')) => out.push(c),
                other => panic!("{other:?} is not an escape in a TEXT value"),
            },
            ';' | ',' => panic!("an unescaped {c:?} in a TEXT value"),
            c => out.push(c),
        }
    }
    out
}

/// What a TEXT value holds of `typed`: each line break one LF, other ASCII controls but the tab
/// dropped (RFC 5545 allows none in TEXT; the writer's documented rule).
fn as_ical_text(typed: &str) -> String {
    lines(typed)
        .chars()
        .filter(|c| !c.is_ascii_control() || matches!(c, '\n' | '\t'))
        .collect()
}

/// The invitations the outbox holds, oldest first, as their attached calendar files.
fn invitations(store: &Store) -> Vec<String> {
    store
        .conn()
        .prepare_cached(
            "SELECT a.bytes FROM outbox_attachments a JOIN outbox o ON o.id = a.outbox_id
             WHERE o.purpose = 'review' ORDER BY o.id",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|b| String::from_utf8(b.unwrap()).expect("a calendar file is UTF-8"))
        .collect()
}

/// An escalated case in Review (warranty over, satisfaction verified), managed by Dana Whitfield.
fn case_in_review(store: &mut Store) -> escalation_core::case::Case {
    use escalation_core::stage::{Stage, StageAction};
    use escalation_core::store::cases::{get_case, insert_case, update_stage};
    let case = insert_case(store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(store, case.id);
    common::make_plans_ready(store, case.id);
    let mut case = get_case(store, case.id).unwrap();
    for _ in 0..3 {
        case = update_stage(store, case.id, case.version, StageAction::Advance, None).unwrap();
    }
    common::appoint_car(store, case.id);
    common::start_warranty(store, case.id);
    common::finish_warranty(store, case.id);
    let case = common::verify_satisfied(store, case.id);
    assert_eq!(case.stage, Stage::Review);
    case
}

fn meeting(location: &str, agenda: &str, attendee: &str) -> escalation_core::closure::ReviewMeetingInput {
    use escalation_core::closure::{Attendee, ReviewMeetingInput};
    ReviewMeetingInput {
        starts_at: escalation_core::store::now() + chrono::Duration::days(3),
        duration_minutes: 60,
        location: location.into(),
        attendees: vec![
            Attendee {
                name: attendee.into(),
                email: "cio@doit.state.gov".into(),
            },
            Attendee {
                name: "José Núñez".into(),
                email: "jose.nunez@dws.state.gov".into(),
            },
        ],
        agenda: agenda.into(),
    }
}

/// Checks one invitation: exactly the writer's components and properties, every line within RFC
/// 5545's rules, and the title, place, agenda and names reading back as typed.
fn assert_inert_invitation(name: &str, ics: &str, title: &str, location: &str, agenda: &str, attendee: &str) {
    assert!(ics.ends_with("\r\n"), "{name}: the file ends with CRLF");
    for line in ics.strip_suffix("\r\n").unwrap_or(ics).split("\r\n") {
        assert!(
            !line.contains(['\r', '\n']),
            "{name}: a bare CR or LF in a content line"
        );
        assert!(line.len() <= 75, "{name}: a line of {} octets", line.len());
    }
    let cal = parse_ics(ics);
    assert_eq!(
        cal.names(),
        ["PRODID", "VERSION", "CALSCALE", "METHOD"],
        "{name}: the calendar's own properties"
    );
    let kinds: Vec<&str> = cal.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(kinds, ["VTIMEZONE", "VEVENT"], "{name}: one zone, one event");
    let event = &cal.children[1];
    assert_eq!(
        event.names(),
        [
            "UID",
            "SEQUENCE",
            "DTSTAMP",
            "DTSTART",
            "DTEND",
            "SUMMARY",
            "DESCRIPTION",
            "LOCATION",
            "ORGANIZER",
            "ATTENDEE",
            "ATTENDEE",
            "STATUS",
            "TRANSP"
        ],
        "{name}: exactly the event's properties, none added by the payload"
    );
    let alarms: Vec<&str> = event.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(alarms, ["VALARM"], "{name}: one reminder, no other component");
    assert_eq!(
        event.children[0].names(),
        ["ACTION", "DESCRIPTION", "TRIGGER"],
        "{name}: the reminder's properties"
    );
    for (property, typed) in [
        ("SUMMARY", format!("Post-escalation review: INC0000001 {title}")),
        ("LOCATION", location.to_owned()),
        ("DESCRIPTION", format!("Agenda:\n{agenda}")),
    ] {
        let want = as_ical_text(&typed);
        for (reader, got) in [
            ("the icalendar crate", event.value(property).to_owned()),
            ("a strict reader", raw_text(ics, property)),
        ] {
            assert!(
                got == want,
                "{name}: {reader} reads {property} back as typed, inside its property: {} ({} chars) for {} ({} chars)",
                short(&got),
                got.chars().count(),
                short(&want),
                want.chars().count()
            );
        }
    }
    let attendees: Vec<_> = event.props.iter().filter(|(n, _, _)| n == "ATTENDEE").collect();
    assert_eq!(
        attendees.iter().map(|(_, _, v)| v.as_str()).collect::<Vec<_>>(),
        ["mailto:cio@doit.state.gov", "mailto:jose.nunez@dws.state.gov"],
        "{name}: the invited addresses only"
    );
    let params: Vec<&str> = attendees[0].1.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        params,
        ["CN", "CUTYPE", "ROLE", "PARTSTAT", "RSVP"],
        "{name}: the attendee's parameters, none added by the name"
    );
    assert!(
        attendees[0].1[0].1 == one_line(attendee).replace('"', ""),
        "{name}: the attendee's name reads back on its line, without the quotes a parameter cannot hold: {}",
        short(&attendees[0].1[0].1)
    );
}

#[test]
fn a_payload_in_the_title_place_agenda_or_a_name_stays_inside_its_property_of_the_invitation() {
    use escalation_core::store::cases::{get_case, update_case};
    use escalation_core::store::closure::{insert_review_meeting, update_review_meeting};
    let mut t = common::store();
    let case = case_in_review(&mut t.store);
    let m = insert_review_meeting(
        &mut t.store,
        case.id,
        &meeting("Room 4.12", "1. What happened", "Robert Chavez"),
    )
    .unwrap();
    let mut sequence = m.sequence;
    let mut expected = Vec::new();
    for (name, payload) in PAYLOADS {
        let case = get_case(&t.store, case.id).unwrap();
        let fields = CaseFields {
            title: payload.to_string(),
            ..case.fields.clone()
        };
        update_case(&mut t.store, case.id, case.version, &fields).unwrap_or_else(|e| panic!("{name}: {e}"));
        let moved = update_review_meeting(&mut t.store, m.id, sequence, &meeting(payload, payload, payload))
            .unwrap_or_else(|e| panic!("{name}: the meeting moves: {e}"));
        sequence = moved.sequence;
        expected.push((name, stored(payload)));
    }
    let sent = invitations(&t.store);
    assert_eq!(
        sent.len(),
        1 + PAYLOADS.len(),
        "one invitation per change, nothing more"
    );
    for (ics, (name, p)) in sent[1..].iter().zip(expected) {
        assert_inert_invitation(name, ics, p, p, p, p);
    }
}

// ---- CSV --------------------------------------------------------------------------------------

/// The first characters that make a spreadsheet run a cell (OWASP's list), as the test knows it.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A stored value as the export must write its cell: as text, behind an apostrophe, when a
/// spreadsheet would run it.
fn as_cell(value: &str) -> String {
    if value.starts_with(FORMULA_STARTS) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// The rows of an exported file, checked on the way: it starts with Excel's byte-order mark, it
/// reads as CSV, and no cell of it (header included) starts as a formula.
fn exported_rows(
    kind: escalation_core::directory::DirectoryKind,
    store: &Store,
    dir: &std::path::Path,
) -> Vec<Vec<String>> {
    let path = escalation_core::store::directory_csv::export_to_file(store, kind, dir).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let body = text
        .strip_prefix('\u{feff}')
        .expect("the export starts with a byte-order mark");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("the export reads as CSV").iter().map(str::to_owned).collect())
        .collect();
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(FORMULA_STARTS),
            "{kind:?}: a spreadsheet would run the cell {}",
            short(cell)
        );
    }
    rows
}

#[test]
fn a_payload_in_a_directory_entry_is_exported_as_inert_text_that_reads_back_as_stored() {
    use escalation_core::directory::{AgencyFields, DirectoryKind, OrgKind, PersonFields, ServiceFields};
    use escalation_core::store::agencies::insert_agency;
    use escalation_core::store::people::insert_person;
    use escalation_core::store::services::insert_service;
    let mut t = common::store();
    for (i, (name, payload)) in PAYLOADS.iter().enumerate() {
        let fields = PersonFields {
            name: payload.to_string(),
            email: format!("person{i}@doit.state.gov"),
            phone: "+1 505 555 0100".into(),
            title: payload.to_string(),
            department: payload.to_string(),
            organization_kind: OrgKind::Division,
            organization: payload.to_string(),
            roles: vec![],
        };
        insert_person(&mut t.store, &fields).unwrap_or_else(|e| panic!("{name}: {e}"));
        let agency = AgencyFields {
            name: payload.to_string(),
            business_segment: payload.to_string(),
            abrm_id: None,
            customer_account_rep_id: None,
            contacts: vec![],
        };
        insert_agency(&mut t.store, &agency).unwrap_or_else(|e| panic!("{name}: {e}"));
        let service = ServiceFields {
            name: payload.to_string(),
            owner_id: None,
            manager_id: None,
        };
        insert_service(&mut t.store, &service).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let dir = t.dir.path().join("exports");
    let people = exported_rows(DirectoryKind::People, &t.store, &dir);
    let agencies = exported_rows(DirectoryKind::Agencies, &t.store, &dir);
    let services = exported_rows(DirectoryKind::Services, &t.store, &dir);
    for (i, (name, payload)) in PAYLOADS.iter().enumerate() {
        let cell = as_cell(stored(payload));
        let person = people
            .iter()
            .find(|r| r[1] == format!("person{i}@doit.state.gov"))
            .unwrap_or_else(|| panic!("{name}: the person is exported"));
        assert_eq!(
            [&person[0], &person[2], &person[3], &person[4], &person[6]],
            [&cell, "'+1 505 555 0100", &cell, &cell, &cell],
            "{name}: name, phone, title, department and organization as stored, formulas as text"
        );
        assert!(
            agencies.iter().any(|r| r[0] == cell && r[1] == cell),
            "{name}: the agency's name and segment as stored"
        );
        assert!(services.iter().any(|r| r[0] == cell), "{name}: the service as stored");
    }
    // The rule keeps every character: the bidi controls and zero-width characters are in the file
    // as typed, not dropped or turned into something else.
    for c in ['\u{202E}', '\u{2066}', '\u{2069}', '\u{200B}', '\u{200D}', '\u{FEFF}'] {
        let typed = PAYLOADS.iter().filter(|(_, p)| p.contains(c)).count();
        let found = people.iter().flatten().filter(|cell| cell.contains(c)).count();
        assert_eq!(
            found,
            4 * typed,
            "U+{:04X} is kept in each of the four person cells",
            c as u32
        );
    }
    // And the file re-imports unchanged: the apostrophes come off, CR/LF and quotes survive. (A
    // name with a comma is left out: the import reads "Family, Given" as a directory's display
    // name and turns it round, by design.)
    let text = escalation_core::store::directory_csv::export_csv(&t.store, DirectoryKind::People).unwrap();
    let preview = escalation_core::store::directory_csv::preview_import(
        &t.store,
        &escalation_core::csv_io::ImportRequest {
            kind: DirectoryKind::People,
            data: base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
            mapping: None,
            defaults: None,
        },
    )
    .unwrap();
    assert!(preview.errors.is_empty(), "the export reads back without errors");
    for (i, (name, payload)) in PAYLOADS.iter().enumerate().filter(|(_, (_, p))| !p.contains(',')) {
        let row = preview
            .rows
            .iter()
            .find(|r| r.key == format!("person{i}@doit.state.gov"))
            .unwrap_or_else(|| panic!("{name}: the person is read back"));
        assert_eq!(
            (row.name.as_str(), row.action),
            (stored(payload), escalation_core::csv_io::ImportAction::Unchanged),
            "{name}: the exported person reads back as the same person"
        );
    }
}

// ---- size -------------------------------------------------------------------------------------

/// Everything a refused change could have written: the rows of each table a text reaches, the
/// case's version, the identity's and the sender's names.
fn footprint(store: &Store, case_id: i64) -> (Vec<i64>, i64, String, String) {
    let rows = [
        "cases",
        "timeline_events",
        "outbox",
        "people",
        "agencies",
        "services",
        "customer_updates",
        "plan_revisions",
        "aar_section_versions",
        "aar_comments",
        "search_docs",
    ]
    .iter()
    .map(|table| count(store, &format!("SELECT COUNT(*) FROM {table}")))
    .collect();
    let identity = escalation_core::store::users::get_current_user(store).unwrap().unwrap();
    let sender = escalation_core::store::mail_settings::get_smtp_settings(store)
        .unwrap()
        .map(|s| s.sender_name)
        .unwrap_or_default();
    let version = escalation_core::store::cases::get_case(store, case_id).unwrap().version;
    (rows, version, identity.name, sender)
}

#[test]
fn a_megabyte_word_in_any_text_field_is_refused_beside_its_field_and_changes_nothing() {
    use escalation_core::communication::{ContactKind, CustomerUpdateInput, ProgressInput, UpdateChannel};
    use escalation_core::identity::IdentityInput;
    use escalation_core::plan::PlanKind;
    use escalation_core::store::aar::{get_aar, insert_aar, insert_aar_comment, update_aar_section};
    use escalation_core::store::cases::{get_case, insert_case, update_case, update_level};
    use escalation_core::store::communications::{
        insert_customer_update, insert_progress_update, update_case_contacts,
    };
    use escalation_core::ErrorKind;
    let mut t = common::store();
    configure_mail(&mut t.store, "Escalation Desk");
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    let customer = person(&mut t.store, "Linda Morales", "linda@dws.state.gov", &[]);
    update_case_contacts(&mut t.store, case.id, ContactKind::Customer, &[customer]).unwrap();
    insert_aar(&mut t.store, case.id).unwrap();
    let section = get_aar(t.store.conn(), case.id).unwrap().unwrap().sections[0].clone();
    let big = megabyte_word();
    let with = |f: &dyn Fn(&mut CaseFields)| {
        let mut fields = common::fields("INC0000002");
        f(&mut fields);
        fields
    };
    type Attempt<'a> = (
        &'a str,
        &'a str,
        Box<dyn Fn(&mut Store) -> escalation_core::Result<()> + 'a>,
    );
    let attempts: Vec<Attempt> = vec![
        (
            "a new case's title",
            "title",
            Box::new(|s| {
                let mut new = new_case("INC0000002", Level::Escalated);
                new.fields = with(&|f| f.title = big.clone());
                insert_case(s, &new).map(drop)
            }),
        ),
        (
            "a new case's description",
            "description",
            Box::new(|s| {
                let mut new = new_case("INC0000002", Level::Escalated);
                new.fields = with(&|f| f.description = big.clone());
                insert_case(s, &new).map(drop)
            }),
        ),
        (
            "who reported a new case",
            "reportedBy",
            Box::new(|s| {
                let mut new = new_case("INC0000002", Level::Escalated);
                new.fields = with(&|f| f.reported_by = big.clone());
                insert_case(s, &new).map(drop)
            }),
        ),
        (
            "a new case's agency",
            "agency",
            Box::new(|s| {
                let mut new = new_case("INC0000002", Level::Escalated);
                new.fields = with(&|f| f.agency = big.clone());
                insert_case(s, &new).map(drop)
            }),
        ),
        (
            "the reason for a new case's level",
            "levelReason",
            Box::new(|s| {
                let mut new = new_case("INC0000002", Level::Escalated);
                new.level_reason = big.clone();
                insert_case(s, &new).map(drop)
            }),
        ),
        (
            "an edited title",
            "title",
            Box::new(|s| {
                let c = get_case(s, case.id)?;
                let fields = CaseFields {
                    title: big.clone(),
                    ..c.fields.clone()
                };
                update_case(s, c.id, c.version, &fields).map(drop)
            }),
        ),
        (
            "the reason for a level change",
            "reason",
            Box::new(|s| {
                let c = get_case(s, case.id)?;
                update_level(s, c.id, c.version, Level::Elevated, &big).map(drop)
            }),
        ),
        (
            "a progress headline",
            "headline",
            Box::new(|s| {
                let input = ProgressInput {
                    headline: big.clone(),
                    details: "Fine.".into(),
                };
                insert_progress_update(s, case.id, &input).map(drop)
            }),
        ),
        (
            "progress details",
            "details",
            Box::new(|s| {
                let input = ProgressInput {
                    headline: "Fine".into(),
                    details: big.clone(),
                };
                insert_progress_update(s, case.id, &input).map(drop)
            }),
        ),
        (
            "a customer update",
            "summary",
            Box::new(|s| {
                let input = CustomerUpdateInput {
                    channel: UpdateChannel::Email,
                    summary: big.clone(),
                    major: true,
                };
                insert_customer_update(s, case.id, &input)
            }),
        ),
        (
            "a plan action",
            "actions",
            Box::new(|s| {
                escalation_core::store::plans::insert_revision(
                    s,
                    case.id,
                    PlanKind::Technical,
                    0,
                    &[common::action(&big)],
                )
                .map(drop)
            }),
        ),
        (
            "a report section",
            "body",
            Box::new(|s| update_aar_section(s, section.id, section.version, &big).map(drop)),
        ),
        (
            "a report comment",
            "comment",
            Box::new(|s| insert_aar_comment(s, section.id, &big).map(drop)),
        ),
        (
            "a person's name",
            "name",
            Box::new(|s| {
                let fields = escalation_core::directory::PersonFields {
                    name: big.clone(),
                    email: "new.person@doit.state.gov".into(),
                    phone: String::new(),
                    title: String::new(),
                    department: String::new(),
                    organization_kind: escalation_core::directory::OrgKind::Division,
                    organization: "DoIT".into(),
                    roles: vec![],
                };
                escalation_core::store::people::insert_person(s, &fields).map(drop)
            }),
        ),
        (
            "the user's own name",
            "name",
            Box::new(|s| {
                let input = IdentityInput {
                    name: big.clone(),
                    email: "dana.whitfield@doit.state.gov".into(),
                    role: "Escalation manager".into(),
                };
                escalation_core::store::users::update_current_user(s, &input).map(drop)
            }),
        ),
        (
            "the mail's sender name",
            "senderName",
            Box::new(|s| {
                let mut settings = escalation_core::store::mail_settings::get_smtp_settings(s)?.unwrap();
                settings.sender_name = big.clone();
                escalation_core::store::mail_settings::update_smtp_settings(s, &settings).map(drop)
            }),
        ),
    ];
    for (what, field, attempt) in &attempts {
        let before = footprint(&t.store, case.id);
        let err = attempt(&mut t.store).expect_err(what);
        let payload = err.payload();
        assert_eq!(payload.kind, ErrorKind::Validation, "{what}: the user's to fix");
        let beside = payload.fields.iter().find(|f| f.field == *field);
        assert!(
            beside.is_some_and(|f| f.message.contains("1,048,576")),
            "{what}: the error beside {field} names the word's length: {:?}",
            payload.fields.iter().map(|f| &f.field).collect::<Vec<_>>()
        );
        assert!(
            payload.message.len() < 500 && payload.fields.iter().all(|f| f.message.len() < 500),
            "{what}: the error does not carry the word back to the window"
        );
        assert!(footprint(&t.store, case.id) == before, "{what}: nothing is written");
    }
}

#[test]
fn a_word_at_each_fields_limit_is_stored_whole_and_mailed_and_printed_whole() {
    use escalation_core::communication::{ContactKind, CustomerUpdateInput, ProgressInput, UpdateChannel};
    use escalation_core::limits::{
        AAR_SECTION_CHARS, DESCRIPTION_CHARS, HEADLINE_CHARS, NAME_CHARS, NOTE_CHARS, REASON_CHARS, TITLE_CHARS,
    };
    use escalation_core::store::aar::{get_aar, insert_aar, pdf_document, update_aar_section};
    use escalation_core::store::briefings::case_briefing_pdf;
    use escalation_core::store::cases::{get_case, insert_case};
    use escalation_core::store::communications::{
        insert_customer_update, insert_progress_update, update_case_contacts,
    };
    let mut t = common::store();
    configure_mail(&mut t.store, &word_of(NAME_CHARS, 'Ш'));
    let (title, description, reason) = (
        word_of(TITLE_CHARS, 'Ω'),
        word_of(DESCRIPTION_CHARS, 'Ж'),
        word_of(REASON_CHARS, 'λ'),
    );
    let (agency, service, reporter) = (
        word_of(NAME_CHARS, 'ß'),
        word_of(NAME_CHARS, 'Ђ'),
        word_of(NAME_CHARS, 'Ћ'),
    );
    let mut new = new_case("INC0000001", Level::Escalated);
    new.fields.title = title.clone();
    new.fields.description = description.clone();
    new.fields.agency = agency.clone();
    new.fields.affected_service = service.clone();
    new.fields.reported_by = reporter.clone();
    new.level_reason = reason.clone();
    let case = insert_case(&mut t.store, &new).expect("a case at every limit opens");
    let read = get_case(&t.store, case.id).unwrap();
    assert!(
        read.fields.title == title
            && read.fields.description == description
            && read.fields.agency == agency
            && read.fields.affected_service == service
            && read.fields.reported_by == reporter
            && read.level_reason == reason,
        "every field is stored whole"
    );

    appoint_core_team(&mut t.store, case.id);
    let customer = person(&mut t.store, "Linda Morales", "linda@dws.state.gov", &[]);
    update_case_contacts(&mut t.store, case.id, ContactKind::Customer, &[customer]).unwrap();
    let (headline, details, summary) = (
        word_of(HEADLINE_CHARS, 'Ψ'),
        word_of(NOTE_CHARS, 'Ф'),
        word_of(NOTE_CHARS, 'Д'),
    );
    let progress = ProgressInput {
        headline: headline.clone(),
        details: details.clone(),
    };
    insert_progress_update(&mut t.store, case.id, &progress).expect("a note at its limits is posted");
    let update = CustomerUpdateInput {
        channel: UpdateChannel::Email,
        summary: summary.clone(),
        major: false,
    };
    insert_customer_update(&mut t.store, case.id, &update).expect("an update at its limit is sent");
    let sender = word_of(NAME_CHARS, 'Ш');
    let (to, subject, mime) = queued(&t.store, "progress").pop().unwrap();
    assert!(
        *subject == format!("[INC0000001] Progress: {headline}"),
        "the subject is whole"
    );
    assert_inert_message("progress at the limits", &mime, &to, &subject, &sender, &details);
    let (to, subject, mime) = queued(&t.store, "customer_update").pop().unwrap();
    assert_inert_message("customer update at the limit", &mime, &to, &subject, &sender, &summary);

    insert_aar(&mut t.store, case.id).unwrap();
    let section = get_aar(t.store.conn(), case.id).unwrap().unwrap().sections[0].clone();
    let body = word_of(AAR_SECTION_CHARS, 'Ё');
    update_aar_section(&mut t.store, section.id, section.version, &body).expect("a section at its limit is saved");
    let doc = pdf_document(&t.store, case.id).unwrap().3;
    let report = pdftotext(&escalation_core::aar_pdf::render_pdf(&doc).expect("the report renders"));
    let briefing = pdftotext(&case_briefing_pdf(&t.store, case.id).expect("the briefing renders"));
    let printed = |text: &str, c: char| text.chars().filter(|x| *x == c).count();
    // Each word printed whole: every one of its characters, none lost and none added, however
    // many lines and pages it is broken across.
    assert_eq!(
        printed(&report, 'Ё'),
        AAR_SECTION_CHARS,
        "the report prints the section whole"
    );
    assert_eq!(
        printed(&report, 'ß') % NAME_CHARS,
        0,
        "the report prints the agency whole"
    );
    assert!(printed(&report, 'Ω') >= TITLE_CHARS, "the report prints the title");
    assert_eq!(printed(&report, 'Ω') % TITLE_CHARS, 0, "each time whole");
    assert_eq!(
        printed(&briefing, 'Ж'),
        DESCRIPTION_CHARS,
        "the briefing prints the description whole"
    );
    assert_eq!(
        printed(&briefing, 'λ'),
        REASON_CHARS,
        "the briefing prints the reason whole"
    );
    assert_eq!(
        printed(&briefing, 'Д'),
        NOTE_CHARS,
        "the briefing prints the last update whole"
    );
    assert!(printed(&briefing, 'Ω') >= TITLE_CHARS, "the briefing prints the title");
    assert_eq!(printed(&briefing, 'Ω') % TITLE_CHARS, 0, "each time whole");
    assert_eq!(
        (printed(&briefing, 'ß'), printed(&briefing, 'Ђ')),
        (NAME_CHARS, NAME_CHARS),
        "the briefing prints the agency and the service whole"
    );
}

#[test]
fn an_invitation_with_a_place_agenda_and_name_at_their_limits_folds_within_its_lines_and_a_megabyte_word_is_refused() {
    use escalation_core::limits::{LINE_CHARS, NAME_CHARS, NOTE_CHARS};
    use escalation_core::store::closure::{insert_review_meeting, update_review_meeting};
    let mut t = common::store();
    let case = case_in_review(&mut t.store);
    let (location, agenda, attendee) = (
        word_of(LINE_CHARS, 'Ω'),
        word_of(NOTE_CHARS, 'Ж'),
        word_of(NAME_CHARS, 'λ'),
    );
    let m = insert_review_meeting(&mut t.store, case.id, &meeting(&location, &agenda, &attendee))
        .expect("a meeting at every limit is scheduled");
    let sent = invitations(&t.store);
    assert_eq!(sent.len(), 1);
    assert_inert_invitation(
        "a meeting at every limit",
        &sent[0],
        &case.fields.title,
        &location,
        &agenda,
        &attendee,
    );
    let before = footprint(&t.store, case.id);
    for (what, input) in [
        ("place", meeting(&megabyte_word(), "Agenda", "Robert Chavez")),
        ("agenda", meeting("Room 4.12", &megabyte_word(), "Robert Chavez")),
        ("attendee", meeting("Room 4.12", "Agenda", &megabyte_word())),
    ] {
        let err = update_review_meeting(&mut t.store, m.id, m.sequence, &input).expect_err(what);
        assert_eq!(err.kind(), escalation_core::ErrorKind::Validation, "{what}");
        assert!(footprint(&t.store, case.id) == before, "{what}: nothing is written");
        assert_eq!(invitations(&t.store).len(), 1, "{what}: no invitation is sent");
    }
}

#[test]
fn a_sender_name_with_a_line_break_is_sent_on_one_line_instead_of_stopping_every_message() {
    use escalation_core::communication::ProgressInput;
    use escalation_core::store::cases::insert_case;
    use escalation_core::store::communications::insert_progress_update;
    // Before the fix, the mail library panicked building the From header of a name with a line
    // break: saved once in the settings, it took down every change that sends mail.
    let mut t = common::store();
    configure_mail(&mut t.store, "Escalation Desk\r\nBcc: evil@example.com");
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    let progress = ProgressInput {
        headline: "Failover complete".into(),
        details: "The portal is back.".into(),
    };
    insert_progress_update(&mut t.store, case.id, &progress).expect("the note is posted and its notice queued");
    let (to, subject, mime) = queued(&t.store, "progress").pop().unwrap();
    assert_inert_message(
        "a sender name with a line break",
        &mime,
        &to,
        &subject,
        "Escalation Desk\r\nBcc: evil@example.com",
        "The portal is back.",
    );
}

/// A bidi control typed into one field (an override in a name, a reason, a ticket) reverses only
/// that field: where the store joins fields into one line (timeline summaries, search snippets),
/// what a field leaves open is closed before the text after it, and nothing stays open at the
/// end of any line. Before, "Appointed Mallory\u{202E} (Our division) as ..." read reversed after
/// the name, and a search snippet's next field with it.
#[test]
fn a_bidi_control_left_open_in_one_field_never_reverses_the_text_after_it_on_the_same_line() {
    use escalation_core::bidi::closers;
    use escalation_core::store::{search, timeline};
    let t = common::store();
    let mut store = t.store;
    let override_open = "Mallory\u{202E}gpj.exe";
    let case = hostile_case(&mut store, 0, override_open);
    let events = timeline::list_events(&store, case).unwrap();
    assert!(events.len() > 3, "the case has a timeline");
    for e in &events {
        assert_eq!(closers(&e.summary), "", "left open at the end of {:?}", e.summary);
    }
    let appointed = events
        .iter()
        .find(|e| e.summary.starts_with("Appointed Mallory"))
        .expect("the expert's appointment is on the timeline");
    assert!(
        appointed
            .summary
            .starts_with("Appointed Mallory\u{202E}gpj.exe\u{202C} ("),
        "the name's override ends with the name: {:?}",
        appointed.summary
    );
    let opened = events.iter().find(|e| e.summary.starts_with("Case opened")).unwrap();
    assert!(opened.summary.contains("gpj.exe\u{202C}"), "{:?}", opened.summary);
    let results = search::search(&store, "mallory", 20).unwrap();
    let hits: Vec<_> = results.groups.iter().flat_map(|g| &g.hits).collect();
    assert!(hits.len() > 2, "the search finds the case, its timeline and the person");
    for hit in hits {
        let line: String = hit.snippet.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(closers(&line), "", "left open in the snippet {line:?}");
    }
}
