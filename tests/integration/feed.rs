//! The event feed and the audit chain under concurrent writers: positions
//! follow commit order, a late commit is not skipped, every page carries a
//! cursor, and writers do not wait on one another's commits.

use jiuzhu_platform::Backend;
use jiuzhu_platform::audit::{self, Entry, Outcome, Who};
use jiuzhu_platform::outbox::{self, NewEvent};
use jiuzhu_tests::{TestApp, spawn_app};

use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Reads the feed from `cursor` to its tail; returns the events and the
/// cursor to poll with next.
async fn follow(app: &TestApp, token: &str, event_type: &str, cursor: Option<String>) -> (Vec<Value>, String) {
    let mut cursor = cursor;
    let mut events = Vec::new();
    loop {
        let after = cursor.as_deref().map(|c| format!("&after={c}")).unwrap_or_default();
        let page = app.get(&format!("/api/v1/events?type={event_type}&limit=7{after}"), Some(token)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let items = page.body["items"].as_array().unwrap().clone();
        let next = page.body["next_cursor"].as_str().expect("every page carries a cursor, the last one too").to_string();
        let done = items.is_empty();
        events.extend(items);
        cursor = Some(next);
        if done {
            return (events, cursor.unwrap());
        }
    }
}

/// Thirty-two accounts created by eight concurrent writers while a reader
/// follows the feed: the reader sees each creation exactly once, in
/// increasing, gap-free positions.
#[actix_web::test]
async fn a_reader_following_the_feed_misses_nothing_written_concurrently() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let writers = (0..8).map(|w| {
        let (app, admin) = (&app, &admin);
        async move {
            let mut ids = Vec::new();
            for n in 0..4 {
                ids.push(
                    app.add_user(admin, &format!("feed.{w}.{n}"), "auditor", "640202", json!({})).await["id"].as_str().unwrap().to_string(),
                );
            }
            ids
        }
    });
    let reader = async {
        let mut seen = Vec::new();
        let mut cursor = None;
        for _ in 0..20 {
            let (events, next) = follow(&app, &admin, "user.created", cursor).await;
            seen.extend(events);
            cursor = Some(next);
            actix_web::rt::time::sleep(std::time::Duration::from_millis(15)).await;
        }
        (seen, cursor)
    };
    let (written, (mut seen, cursor)) = futures_util::future::join(futures_util::future::join_all(writers), reader).await;
    let (rest, _) = follow(&app, &admin, "user.created", cursor).await;
    seen.extend(rest);
    let written: BTreeSet<String> = written.into_iter().flatten().collect();
    let subjects: Vec<String> = seen.iter().map(|e| e["subject_id"].as_str().unwrap().to_string()).collect();
    let unique: BTreeSet<String> = subjects.iter().cloned().collect();
    assert_eq!(subjects.len(), unique.len(), "no event is served twice");
    assert_eq!(written.difference(&unique).count(), 0, "every creation reaches the reader: missing {:?}", written.difference(&unique));
    let positions: Vec<i64> = seen.iter().map(|e| e["position"].as_i64().unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "positions increase: {positions:?}");

    let all = app.get("/api/v1/events?limit=500", Some(&admin)).await;
    let every: Vec<i64> = all.body["items"].as_array().unwrap().iter().map(|e| e["position"].as_i64().unwrap()).collect();
    assert_eq!(every, (1..=every.len() as i64).collect::<Vec<_>>(), "positions have no gaps");
}

/// A transaction that commits after a later one is numbered after it, so a
/// reader who already reached the tail still finds it. (Event ids made in
/// each process, the feed's old order, put it behind the reader's cursor.)
#[actix_web::test]
async fn an_event_committed_late_is_not_skipped_by_a_reader_at_the_tail() {
    let app = spawn_app().await;
    if app.db.backend() != Backend::Postgres {
        return; // SQLite lets one writer in at a time: no commit can overtake another.
    }
    let admin = app.admin_token().await;
    let slow = app.db.begin_write().await.unwrap();
    let now = jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock);
    outbox::publish_all(&*slow, now, vec![NewEvent::new("user.created", "640202", "late-subject", json!({}))]).await.unwrap();
    // Writes go on while the slow one is open: they do not wait on it.
    let quick =
        actix_web::rt::time::timeout(std::time::Duration::from_secs(10), app.add_user(&admin, "quick.one", "auditor", "640202", json!({})))
            .await
            .expect("a write does not wait for another writer's commit");
    let (before, tail) = follow(&app, &admin, "user.created", None).await;
    assert!(before.iter().any(|e| e["subject_id"] == quick["id"]));
    slow.commit().await.unwrap();
    let (after, _) = follow(&app, &admin, "user.created", Some(tail)).await;
    let subjects: Vec<&str> = after.iter().map(|e| e["subject_id"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["late-subject"], "the late commit comes after the tail the reader had reached");
}

/// The audit chain takes no lock on a writer's path either: an audit row
/// held open in one transaction does not stop another request's write, and
/// the chain verifies once both have committed.
#[actix_web::test]
async fn an_open_audit_write_holds_up_no_other_writer_and_the_chain_still_verifies() {
    let app = spawn_app().await;
    if app.db.backend() != Backend::Postgres {
        return; // SQLite's single writer: see above.
    }
    let admin = app.admin_token().await;
    let slow = app.db.begin_write().await.unwrap();
    let who = Who {
        subject: "test".into(),
        role: "city_admin".into(),
        request_id: "slow".into(),
        at: jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock),
    };
    let entry = Entry {
        action: "test.slow".into(),
        entity_type: "test".into(),
        entity_id: None,
        region_code: "640200".into(),
        outcome: Outcome::Success,
        detail: json!({}),
    };
    audit::append(&*slow, &who, entry).await.unwrap();
    actix_web::rt::time::timeout(std::time::Duration::from_secs(10), app.add_user(&admin, "unblocked", "auditor", "640202", json!({})))
        .await
        .expect("a write does not wait on the audit chain's head");
    slow.commit().await.unwrap();
    let report = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(report.body["valid"], true, "{}", report.text);
    let slow_rows = app.get("/api/v1/audit-events?action=test.slow", Some(&admin)).await;
    assert_eq!(slow_rows.body["items"].as_array().unwrap().len(), 1, "{}", slow_rows.text);
}

/// Every page carries a cursor: an empty feed, the last page, and a poll
/// at the tail. A reader who may see none of the events is still moved past
/// them. An earlier release's cursor (an event id) resumes after its event.
#[actix_web::test]
async fn every_page_of_the_feed_carries_a_cursor_to_poll_with() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let first = app.get("/api/v1/events?type=nothing.ever", Some(&admin)).await;
    assert_eq!(first.body["items"], json!([]));
    let tail = first.body["next_cursor"].as_str().expect("an empty feed still answers a cursor").to_string();
    app.add_user(&admin, "after.tail", "auditor", "640202", json!({})).await;
    let (events, _) = follow(&app, &admin, "user.created", Some(tail)).await;
    assert_eq!(events.iter().map(|e| e["data"]["username"].as_str().unwrap()).collect::<Vec<_>>(), ["after.tail"]);

    app.add_user(&admin, "after.that", "auditor", "640202", json!({})).await;
    let all = app.get("/api/v1/events?limit=500", Some(&admin)).await;
    let items = all.body["items"].as_array().unwrap();
    let (first_event, second_event) = (&items[0], &items[1]);
    let legacy = base64_url(&format!("k1:{}", first_event["id"].as_str().unwrap()));
    let resumed = app.get(&format!("/api/v1/events?limit=1&after={legacy}"), Some(&admin)).await;
    assert_eq!(resumed.body["items"][0]["id"], second_event["id"], "{}", resumed.text);
    let unknown = base64_url(&format!("k1:{}", uuid::Uuid::now_v7()));
    app.get(&format!("/api/v1/events?after={unknown}"), Some(&admin)).await.assert_problem(422, "validation_failed");
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// Writers on two nodes, two relays competing for the lock, one reader on
/// either node: every creation is served once, in gap-free positions.
#[actix_web::test]
async fn two_nodes_write_one_feed_without_losing_or_repeating_an_event() {
    let a = spawn_app().await;
    if a.db.backend() != Backend::Postgres {
        return; // One process owns an SQLite file; several nodes need PostgreSQL.
    }
    let b = a.another_node().await;
    let admin = a.admin_token().await;
    let writers = (0..6).map(|w| {
        let (node, admin) = (if w % 2 == 0 { &a } else { &b }, &admin);
        async move {
            let mut ids = Vec::new();
            for n in 0..4 {
                ids.push(
                    node.add_user(admin, &format!("nodes.{w}.{n}"), "auditor", "640202", json!({})).await["id"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                );
            }
            ids
        }
    });
    let written: BTreeSet<String> = futures_util::future::join_all(writers).await.into_iter().flatten().collect();
    let (on_b, _) = follow(&b, &admin, "user.created", None).await;
    let (on_a, _) = follow(&a, &admin, "user.created", None).await;
    for seen in [&on_a, &on_b] {
        let subjects: Vec<String> = seen.iter().map(|e| e["subject_id"].as_str().unwrap().to_string()).collect();
        assert_eq!(subjects.iter().cloned().collect::<BTreeSet<_>>(), written, "each node serves every creation");
        assert_eq!(subjects.len(), written.len(), "and each once");
    }
    let positions = |seen: &Vec<Value>| seen.iter().map(|e| e["position"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(positions(&on_a), positions(&on_b), "both nodes number the feed alike");
}
