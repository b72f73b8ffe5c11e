//! The review meeting invitation is iCalendar that another parser (the `icalendar` crate) reads back,
//! whose times name the instants we meant, whose VTIMEZONE agrees with chrono-tz, and whose bytes
//! follow RFC 5545's line rules.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use escalation_core::ical::{content_type, to_ics, Invitation, Method, Participant};
use icalendar::parser::{read_calendar, unfold};

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn person(name: &str, email: &str) -> Participant {
    Participant {
        name: name.into(),
        email: email.into(),
    }
}

fn review(tz: Tz, start: DateTime<Utc>) -> Invitation {
    Invitation {
        uid: "review-INC0000042@escalation-desk.example".into(),
        sequence: 0,
        method: Method::Request,
        summary: "Post-escalation review: INC0000042 payroll outage".into(),
        description: "What happened, what we learned.\nAgenda: timeline, root cause; actions".into(),
        location: "Room 4.12, State Office Building".into(),
        start,
        duration_minutes: 60,
        time_zone: tz,
        organizer: person("Dana Jones", "dana.jones@agency.example"),
        sent_by: Some("escalations@agency.example".into()),
        attendees: vec![
            person("Lee Park", "lee.park@agency.example"),
            person("José Núñez", "jose.nunez@vendor.example"),
            person("Sam O'Neil", "sam.oneil@agency.example"),
        ],
        dtstamp: utc(2025, 1, 2, 9, 0),
    }
}

// ---- reading the output back ----------------------------------------------------------------

/// A parsed component, owned, so a test can keep it after the unfolded text is gone.
#[derive(Debug)]
struct Node {
    name: String,
    props: Vec<Prop>,
    children: Vec<Node>,
}

#[derive(Debug)]
struct Prop {
    params: Vec<(String, String)>,
    name: String,
    value: String,
}

impl Node {
    fn all(&self, name: &str) -> Vec<&Prop> {
        self.props.iter().filter(|p| p.name == name).collect()
    }
    fn prop(&self, name: &str) -> &Prop {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "{} has exactly one {name}", self.name);
        found[0]
    }
    fn value(&self, name: &str) -> &str {
        &self.prop(name).value
    }
    fn children(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn child(&self, name: &str) -> &Node {
        let found = self.children(name);
        assert_eq!(found.len(), 1, "{} has exactly one {name}", self.name);
        found[0]
    }
}

impl Prop {
    fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn parse(ics: &str) -> Node {
    fn node(c: &icalendar::parser::Component<'_>) -> Node {
        Node {
            name: c.name.to_string(),
            props: c.properties.iter().map(prop).collect(),
            children: c.components.iter().map(node).collect(),
        }
    }
    fn prop(p: &icalendar::parser::Property<'_>) -> Prop {
        Prop {
            name: p.name.to_string(),
            value: p.val.to_string(),
            params: p
                .params
                .iter()
                .map(|q| {
                    (
                        q.key.to_string(),
                        q.val.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }
    let unfolded = unfold(ics);
    let cal = read_calendar(&unfolded).unwrap_or_else(|e| panic!("the icalendar crate parses our output: {e}"));
    assert!(
        !cal.properties.is_empty(),
        "the root is a VCALENDAR with its own properties"
    );
    Node {
        name: "VCALENDAR".into(),
        props: cal.properties.iter().map(prop).collect(),
        children: cal.components.iter().map(node).collect(),
    }
}

// ---- evaluating a VTIMEZONE the way a calendar client does ----------------------------------

fn offset_seconds(s: &str) -> i32 {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let part = |i: usize| s.get(i..i + 2).map_or(0, |d| d.parse::<i32>().unwrap());
    let digits = [part(1), part(3), part(5)];
    sign * (digits[0] * 3600 + digits[1] * 60 + digits[2])
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
}

/// The instants (UTC) at which an observance begins, for the years around `year`.
fn onsets(obs: &Node, year: i32) -> Vec<DateTime<Utc>> {
    let start = local(obs.value("DTSTART"));
    let from = Duration::seconds(offset_seconds(obs.value("TZOFFSETFROM")).into());
    let Some(rrule) = obs.all("RRULE").first().map(|p| p.value.clone()) else {
        return vec![(start - from).and_utc()];
    };
    let part = |key: &str| {
        rrule
            .split(';')
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("{key} in {rrule}"))
    };
    assert_eq!(part("FREQ"), "YEARLY", "every rule we write is yearly");
    let month: u32 = part("BYMONTH").parse().unwrap();
    let byday = part("BYDAY");
    let (nth, day) = byday.split_at(byday.len() - 2);
    let nth: i32 = nth.parse().unwrap();
    let weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        .iter()
        .position(|d| *d == day)
        .unwrap();
    (year - 1..=year + 1)
        .filter_map(|y| {
            let days: Vec<NaiveDate> = (1..=31)
                .filter_map(|d| NaiveDate::from_ymd_opt(y, month, d))
                .filter(|d| d.weekday().num_days_from_monday() as usize == weekday)
                .collect();
            let date = if nth < 0 {
                days.last().copied()
            } else {
                days.get(nth as usize - 1).copied()
            }?;
            let at = date.and_time(start.time());
            (at >= start).then(|| (at - from).and_utc())
        })
        .collect()
}

/// The UTC offset a VTIMEZONE gives at an instant: TZOFFSETTO of the latest observance begun.
fn vtimezone_offset(vtz: &Node, at: DateTime<Utc>) -> i32 {
    vtz.children
        .iter()
        .flat_map(|obs| onsets(obs, at.year()).into_iter().map(move |onset| (onset, obs)))
        .filter(|(onset, _)| *onset <= at)
        .max_by_key(|(onset, _)| *onset)
        .map(|(_, obs)| offset_seconds(obs.value("TZOFFSETTO")))
        .unwrap_or_else(|| panic!("some observance of {} is in force at {at}", vtz.value("TZID")))
}

/// The instant a client reads from DTSTART or DTEND: as is when in UTC; otherwise through the
/// calendar's own VTIMEZONE, an ambiguous local time being its first occurrence (RFC 5545 §3.3.5).
fn instant(cal: &Node, p: &Prop) -> DateTime<Utc> {
    if let Some(v) = p.value.strip_suffix('Z') {
        return local(v).and_utc();
    }
    let tzid = p.param("TZID").expect("a local time carries its TZID");
    let vtz = cal
        .children("VTIMEZONE")
        .into_iter()
        .find(|v| v.value("TZID") == tzid)
        .expect("its VTIMEZONE");
    let wall = local(&p.value);
    let offsets: Vec<i32> = vtz
        .children
        .iter()
        .map(|o| offset_seconds(o.value("TZOFFSETTO")))
        .collect();
    offsets
        .into_iter()
        .map(|o| (wall - Duration::seconds(o.into())).and_utc())
        .filter(|u| {
            let o = vtimezone_offset(vtz, *u);
            (*u + Duration::seconds(o.into())).naive_utc() == wall
        })
        .min()
        .unwrap_or_else(|| panic!("{} exists in {tzid}", p.value))
}

fn event(cal: &Node) -> &Node {
    cal.child("VEVENT")
}

// ---- the tests --------------------------------------------------------------------------------

#[test]
fn an_invitation_parses_back_with_its_uid_sequence_method_people_and_time_zone() {
    let inv = review(chrono_tz::America::New_York, utc(2025, 1, 15, 15, 0));
    let cal = parse(&to_ics(&inv));
    assert_eq!(cal.value("METHOD"), "REQUEST", "the iTIP method clients act on");
    assert_eq!(cal.value("VERSION"), "2.0");
    assert_eq!(cal.value("PRODID"), "-//Escalation Desk//Post-escalation review//EN");
    assert_eq!(cal.value("CALSCALE"), "GREGORIAN");
    let ev = event(&cal);
    assert_eq!(
        ev.value("UID"),
        inv.uid,
        "clients match updates and cancellations by UID"
    );
    assert_eq!(ev.value("SEQUENCE"), "0", "a first invitation");
    assert_eq!(
        ev.value("DTSTAMP"),
        "20250102T090000Z",
        "DTSTAMP is the given one, in UTC"
    );
    assert_eq!(ev.value("SUMMARY"), inv.summary);
    assert_eq!(ev.value("STATUS"), "CONFIRMED");
    assert_eq!(ev.value("TRANSP"), "OPAQUE", "the hour shows as busy");

    let organizer = ev.prop("ORGANIZER");
    assert_eq!(organizer.value, "mailto:dana.jones@agency.example");
    assert_eq!(organizer.param("CN"), Some("Dana Jones"));
    assert_eq!(
        organizer.param("SENT-BY"),
        Some("mailto:escalations@agency.example"),
        "the desk's shared mailbox sends for the organizer, who gets the replies"
    );

    let attendees = ev.all("ATTENDEE");
    assert_eq!(attendees.len(), 3, "one ATTENDEE per person invited");
    for (a, p) in attendees.iter().zip(&inv.attendees) {
        assert_eq!(a.value, format!("mailto:{}", p.email));
        assert_eq!(a.param("CN"), Some(p.name.as_str()), "display name, non-ASCII intact");
        assert_eq!(a.param("RSVP"), Some("TRUE"), "{} is asked to reply", p.name);
        assert_eq!(a.param("ROLE"), Some("REQ-PARTICIPANT"));
        assert_eq!(a.param("PARTSTAT"), Some("NEEDS-ACTION"));
        assert_eq!(a.param("CUTYPE"), Some("INDIVIDUAL"));
    }

    let dtstart = ev.prop("DTSTART");
    assert_eq!(
        dtstart.param("TZID"),
        Some("America/New_York"),
        "local time in the organizer's zone"
    );
    let vtz = cal.child("VTIMEZONE");
    assert_eq!(
        vtz.value("TZID"),
        "America/New_York",
        "the VTIMEZONE is the one DTSTART refers to"
    );
}

#[test]
fn the_content_type_names_the_same_method_as_the_calendar() {
    assert_eq!(
        content_type(Method::Request),
        "text/calendar; method=REQUEST; charset=UTF-8"
    );
    assert_eq!(
        content_type(Method::Cancel),
        "text/calendar; method=CANCEL; charset=UTF-8"
    );
}

#[test]
fn a_new_york_meeting_in_winter_is_written_at_utc_minus_five() {
    let cal = parse(&to_ics(&review(chrono_tz::America::New_York, utc(2025, 1, 15, 15, 0))));
    assert_eq!(event(&cal).value("DTSTART"), "20250115T100000", "15:00Z is 10:00 EST");
    assert_eq!(event(&cal).value("DTEND"), "20250115T110000", "an hour later");
}

#[test]
fn a_new_york_meeting_in_summer_is_written_at_utc_minus_four() {
    let cal = parse(&to_ics(&review(chrono_tz::America::New_York, utc(2025, 7, 15, 14, 0))));
    assert_eq!(event(&cal).value("DTSTART"), "20250715T100000", "14:00Z is 10:00 EDT");
    assert_eq!(event(&cal).value("DTEND"), "20250715T110000");
}

#[test]
fn a_berlin_meeting_is_written_in_berlin_time_in_winter_and_in_summer() {
    let winter = parse(&to_ics(&review(chrono_tz::Europe::Berlin, utc(2025, 2, 3, 8, 30))));
    assert_eq!(event(&winter).value("DTSTART"), "20250203T093000", "CET is UTC+1");
    assert_eq!(event(&winter).prop("DTSTART").param("TZID"), Some("Europe/Berlin"));
    let summer = parse(&to_ics(&review(chrono_tz::Europe::Berlin, utc(2025, 8, 4, 8, 30))));
    assert_eq!(event(&summer).value("DTSTART"), "20250804T103000", "CEST is UTC+2");
    assert_eq!(event(&summer).value("DTEND"), "20250804T113000");
}

/// On 2025-11-02 New York's clocks go from 01:59:59 EDT back to 01:00 EST, so 01:30 happens twice.
/// Our choice: the meeting is the instant the caller gave, never a wall-clock guess. A local time
/// that a reader would take as the other 01:30 is written in UTC instead (see the module doc).
#[test]
fn an_hour_from_the_first_one_thirty_on_fall_back_day_is_an_hour_of_real_time() {
    let start = utc(2025, 11, 2, 5, 30); // 01:30 EDT
    let cal = parse(&to_ics(&review(chrono_tz::America::New_York, start)));
    let ev = event(&cal);
    assert_eq!(
        ev.value("DTSTART"),
        "20251102T013000",
        "the first 01:30 is what a reader takes anyway"
    );
    assert_eq!(ev.prop("DTSTART").param("TZID"), Some("America/New_York"));
    assert_eq!(
        ev.value("DTEND"),
        "20251102T063000Z",
        "the end is the second 01:30; as local time it would read as the start, a zero-length meeting"
    );
    assert_eq!(instant(&cal, ev.prop("DTSTART")), start, "DTSTART reads back as 05:30Z");
    assert_eq!(
        instant(&cal, ev.prop("DTEND")) - instant(&cal, ev.prop("DTSTART")),
        Duration::minutes(60),
        "an hour-long meeting is an hour of real time"
    );
}

#[test]
fn an_hour_from_the_second_one_thirty_on_fall_back_day_is_written_in_utc_so_it_is_not_an_hour_early() {
    let start = utc(2025, 11, 2, 6, 30); // 01:30 EST, the second time round
    let cal = parse(&to_ics(&review(chrono_tz::America::New_York, start)));
    let ev = event(&cal);
    assert_eq!(
        ev.value("DTSTART"),
        "20251102T063000Z",
        "01:30 with TZID would mean the first, EDT, one"
    );
    assert_eq!(ev.value("DTEND"), "20251102T023000", "02:30 EST happens once");
    assert_eq!(instant(&cal, ev.prop("DTSTART")), start);
    assert_eq!(
        instant(&cal, ev.prop("DTEND")) - start,
        Duration::minutes(60),
        "still an hour of real time"
    );
}

#[test]
fn an_hour_across_the_spring_forward_is_an_hour_of_real_time() {
    let start = utc(2025, 3, 9, 6, 30); // 01:30 EST; at 02:00 the clocks jump to 03:00 EDT
    let cal = parse(&to_ics(&review(chrono_tz::America::New_York, start)));
    let ev = event(&cal);
    assert_eq!(ev.value("DTSTART"), "20250309T013000");
    assert_eq!(
        ev.value("DTEND"),
        "20250309T033000",
        "two hours apart on the wall clock"
    );
    assert_eq!(
        instant(&cal, ev.prop("DTEND")) - instant(&cal, ev.prop("DTSTART")),
        Duration::minutes(60)
    );
}

fn vtimezone(tz: Tz, start: DateTime<Utc>) -> Node {
    let cal = parse(&to_ics(&review(tz, start)));
    let vtz = cal
        .children
        .into_iter()
        .find(|c| c.name == "VTIMEZONE")
        .expect("a VTIMEZONE");
    assert_eq!(vtz.value("TZID"), tz.name(), "TZID is the IANA name");
    vtz
}

#[test]
fn new_york_has_daylight_time_from_the_second_sunday_of_march_to_the_first_sunday_of_november() {
    let vtz = vtimezone(chrono_tz::America::New_York, utc(2025, 1, 15, 15, 0));
    let daylight = vtz.child("DAYLIGHT");
    assert_eq!(daylight.value("RRULE"), "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU");
    assert_eq!(daylight.value("TZOFFSETFROM"), "-0500");
    assert_eq!(daylight.value("TZOFFSETTO"), "-0400");
    assert_eq!(daylight.value("TZNAME"), "EDT");
    assert_eq!(
        daylight.value("DTSTART"),
        "19700308T020000",
        "02:00 on 1970's second Sunday of March"
    );
    let standard = vtz.child("STANDARD");
    assert_eq!(standard.value("RRULE"), "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU");
    assert_eq!(standard.value("TZOFFSETFROM"), "-0400");
    assert_eq!(standard.value("TZOFFSETTO"), "-0500");
    assert_eq!(standard.value("TZNAME"), "EST");
    assert_eq!(
        standard.value("DTSTART"),
        "19701101T020000",
        "02:00 EDT, the wall clock before the change"
    );
}

#[test]
fn london_changes_on_the_last_sunday_of_march_and_of_october() {
    let vtz = vtimezone(chrono_tz::Europe::London, utc(2025, 6, 10, 9, 0));
    let daylight = vtz.child("DAYLIGHT");
    assert_eq!(
        daylight.value("RRULE"),
        "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "30 March 2025 is the 5th Sunday"
    );
    assert_eq!(
        (daylight.value("TZOFFSETFROM"), daylight.value("TZOFFSETTO")),
        ("+0000", "+0100")
    );
    assert_eq!(daylight.value("TZNAME"), "BST");
    let standard = vtz.child("STANDARD");
    assert_eq!(
        standard.value("RRULE"),
        "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "26 October 2025 is the 4th Sunday and the last: last is the rule"
    );
    assert_eq!(standard.value("TZNAME"), "GMT");
}

#[test]
fn phoenix_and_utc_have_only_a_standard_observance_with_equal_offsets() {
    for (tz, offset) in [(chrono_tz::America::Phoenix, "-0700"), (chrono_tz::UTC, "+0000")] {
        let vtz = vtimezone(tz, utc(2025, 7, 15, 18, 0));
        assert!(vtz.children("DAYLIGHT").is_empty(), "{tz} has no daylight saving time");
        let standard = vtz.child("STANDARD");
        assert_eq!(standard.value("TZOFFSETFROM"), offset, "{tz}");
        assert_eq!(standard.value("TZOFFSETTO"), offset, "{tz}: nothing changes");
        assert!(standard.all("RRULE").is_empty(), "{tz}: no change to repeat");
    }
}

#[test]
fn in_the_southern_hemisphere_summer_time_is_still_the_daylight_observance() {
    let vtz = vtimezone(chrono_tz::Australia::Sydney, utc(2025, 5, 1, 0, 0));
    let daylight = vtz.child("DAYLIGHT");
    assert_eq!(
        daylight.value("RRULE"),
        "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU",
        "first Sunday of October"
    );
    assert_eq!(
        (daylight.value("TZOFFSETFROM"), daylight.value("TZOFFSETTO")),
        ("+1000", "+1100")
    );
    assert_eq!(vtz.child("STANDARD").value("RRULE"), "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU");
}

#[test]
fn dublin_summer_is_the_daylight_observance_though_its_tz_data_calls_winter_the_exception() {
    let vtz = vtimezone(chrono_tz::Europe::Dublin, utc(2025, 6, 10, 9, 0));
    assert_eq!(
        vtz.child("DAYLIGHT").value("TZOFFSETTO"),
        "+0100",
        "readers expect DAYLIGHT to be ahead"
    );
    assert_eq!(vtz.child("STANDARD").value("TZOFFSETTO"), "+0000");
}

#[test]
fn a_zone_that_changes_its_rules_in_the_meeting_year_gets_one_time_observances() {
    // Yukon moved to summer time on 2020-03-08 and stayed there: -07 all year round, named MST.
    let vtz = vtimezone(chrono_tz::America::Whitehorse, utc(2020, 6, 1, 16, 0));
    assert!(
        vtz.children.iter().all(|o| o.all("RRULE").is_empty()),
        "no change repeats: {vtz:#?}"
    );
    let starts: Vec<(&str, &str, &str, &str)> = vtz
        .children
        .iter()
        .map(|o| {
            (
                o.name.as_str(),
                o.value("DTSTART"),
                o.value("TZOFFSETFROM"),
                o.value("TZOFFSETTO"),
            )
        })
        .collect();
    assert_eq!(
        starts,
        [
            ("STANDARD", "19700101T000000", "-0800", "-0800"),
            ("DAYLIGHT", "20200308T020000", "-0800", "-0700"),
            ("STANDARD", "20201101T000000", "-0700", "-0700"),
        ],
        "the offset on 1 January, the spring change, and the rename to MST (at midnight in tz data) that keeps -07"
    );
    assert_eq!(vtz.children[2].value("TZNAME"), "MST");
}

#[test]
fn the_vtimezone_gives_chrono_tz_offsets_all_through_the_meeting_year() {
    use chrono_tz::{Africa, America, Asia, Australia, Europe, Pacific};
    let usual = [
        America::New_York,
        America::Phoenix,
        America::Santiago,
        America::St_Johns,
        Europe::London,
        Europe::Berlin,
        Europe::Dublin,
        Australia::Sydney,
        Australia::Lord_Howe,
        Asia::Kathmandu,
        Pacific::Chatham,
        Africa::Casablanca,
        chrono_tz::UTC,
    ];
    let cases = usual.into_iter().flat_map(|tz| [(tz, 2025), (tz, 2026)]).chain([
        (America::Whitehorse, 2020),
        (Europe::Volgograd, 2020),
        (America::Mexico_City, 2022),
    ]);
    for (tz, year) in cases {
        let vtz = vtimezone(tz, utc(year, 6, 15, 12, 0));
        let mut at = utc(year, 1, 1, 0, 0);
        while at.year() == year {
            let expected = at.with_timezone(&tz).offset().fix().local_minus_utc();
            assert_eq!(
                vtimezone_offset(&vtz, at),
                expected,
                "{tz} at {at}: the VTIMEZONE agrees with tz data"
            );
            at += Duration::minutes(30);
        }
    }
}

#[test]
fn a_cancellation_has_the_same_uid_a_higher_sequence_and_no_reminder() {
    let request = review(chrono_tz::America::New_York, utc(2025, 1, 15, 15, 0));
    let cancel = Invitation {
        method: Method::Cancel,
        sequence: request.sequence + 1,
        ..request.clone()
    };
    let (sent, cancelled) = (parse(&to_ics(&request)), parse(&to_ics(&cancel)));
    assert_eq!(cancelled.value("METHOD"), "CANCEL");
    assert_eq!(event(&cancelled).value("STATUS"), "CANCELLED");
    assert_eq!(
        event(&cancelled).value("UID"),
        event(&sent).value("UID"),
        "the cancellation names the meeting sent"
    );
    let seq = |c: &Node| event(c).value("SEQUENCE").parse::<u32>().unwrap();
    assert!(
        seq(&cancelled) > seq(&sent),
        "clients ignore a cancellation that is not newer"
    );
    assert_eq!(
        event(&cancelled).all("ATTENDEE").len(),
        3,
        "the cancellation goes to everyone invited"
    );
    assert!(
        event(&cancelled).children("VALARM").is_empty(),
        "no reminder for a meeting that is off"
    );
}

#[test]
fn a_request_reminds_fifteen_minutes_before() {
    let cal = parse(&to_ics(&review(chrono_tz::America::New_York, utc(2025, 1, 15, 15, 0))));
    let alarm = event(&cal).child("VALARM");
    assert_eq!(alarm.value("ACTION"), "DISPLAY");
    assert_eq!(alarm.value("TRIGGER"), "-PT15M");
    assert!(
        !alarm.value("DESCRIPTION").is_empty(),
        "RFC 5545 requires a DESCRIPTION on a DISPLAY alarm"
    );
}

fn long_description() -> String {
    "Revue post-escalade — José Núñez; agenda: 1) failover, 2) vendor…\n".repeat(5)
}

#[test]
fn every_line_is_at_most_75_octets_and_ends_with_crlf() {
    let mut inv = review(chrono_tz::Europe::Berlin, utc(2025, 1, 15, 15, 0));
    inv.description = long_description();
    inv.summary = "Ü".repeat(80);
    inv.attendees
        .push(person(&"Ñ".repeat(60), &format!("{}@agency.example", "x".repeat(70))));
    let ics = to_ics(&inv);
    assert!(ics.ends_with("\r\n"), "the last line ends with CRLF too");
    for line in ics.strip_suffix("\r\n").unwrap().split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "no bare CR or LF: {line:?}"
        );
    }
    assert!(ics.contains("\r\n "), "something long enough to fold was folded");
}

#[test]
fn unfolding_restores_a_long_non_ascii_description_exactly() {
    let mut inv = review(chrono_tz::Europe::Paris, utc(2025, 3, 4, 13, 0));
    inv.description = long_description();
    assert!(inv.description.len() > 200, "long enough to fold several times");
    let ics = to_ics(&inv);
    let raw = ics.split("\r\n").find(|l| l.starts_with("DESCRIPTION:Revue")).unwrap();
    assert!(
        raw.len() <= 75 && ics.contains(&format!("{raw}\r\n ")),
        "the DESCRIPTION is folded"
    );
    assert_eq!(
        event(&parse(&ics)).value("DESCRIPTION"),
        inv.description,
        "unfolded and unescaped, byte for byte"
    );
}

#[test]
fn commas_semicolons_backslashes_and_newlines_round_trip() {
    let mut inv = review(chrono_tz::America::Chicago, utc(2025, 4, 1, 15, 0));
    inv.summary = r"Review, INC0000042; C:\logs\app".into();
    inv.description = "Line one,\nline two; three\\four\n\nafter a blank line".into();
    inv.location = "Bldg 2; Room 4, east wing".into();
    let ics = to_ics(&inv);
    assert!(
        ics.contains(r"SUMMARY:Review\, INC0000042\; C:\\logs\\app"),
        "escaped on the wire"
    );
    let ev = parse(&ics);
    let ev = event(&ev);
    assert_eq!(ev.value("SUMMARY"), inv.summary);
    assert_eq!(ev.value("DESCRIPTION"), inv.description);
    assert_eq!(ev.value("LOCATION"), inv.location);
    assert!(ev.all("URL").is_empty(), "a room is not a link");
}

#[test]
fn a_location_that_is_a_link_is_also_the_url() {
    let mut inv = review(chrono_tz::America::Denver, utc(2025, 4, 1, 15, 0));
    inv.location = "https://meet.agency.example/j/123?pwd=a,b;c".into();
    let cal = parse(&to_ics(&inv));
    assert_eq!(
        event(&cal).value("LOCATION"),
        inv.location,
        "LOCATION is text, escaped and unescaped"
    );
    assert_eq!(event(&cal).value("URL"), inv.location, "URL is a URI, written as is");
}

#[test]
fn names_with_double_quotes_are_quoted_without_them() {
    let mut inv = review(chrono_tz::America::New_York, utc(2025, 1, 15, 15, 0));
    inv.organizer.name = "Dana \"DJ\" Jones".into();
    inv.attendees = vec![person("Núñez, José; Vendor", "jose@vendor.example")];
    let ics = to_ics(&inv);
    assert!(
        ics.contains("ORGANIZER;CN=\"Dana DJ Jones\";SENT-BY="),
        "a quoted value cannot hold DQUOTE"
    );
    let cal = parse(&ics);
    assert_eq!(event(&cal).prop("ORGANIZER").param("CN"), Some("Dana DJ Jones"));
    let attendee = event(&cal).prop("ATTENDEE");
    assert_eq!(
        attendee.param("CN"),
        Some("Núñez, José; Vendor"),
        "quotes keep , and ; inside the name"
    );
    assert_eq!(
        attendee.param("RSVP"),
        Some("TRUE"),
        "the parameters after the name still parse"
    );
}

#[test]
fn the_same_invitation_always_gives_the_same_bytes() {
    let inv = review(chrono_tz::Europe::Berlin, utc(2025, 2, 3, 8, 30));
    assert_eq!(
        to_ics(&inv).as_bytes(),
        to_ics(&inv.clone()).as_bytes(),
        "no clock or randomness inside"
    );
}
