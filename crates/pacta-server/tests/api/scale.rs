//! Group commit under concurrent load, and two servers on one PostgreSQL
//! database racing a deadline: every deadline fires once, no escrow is both
//! released and refunded.

use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

fn metric(text: &str, name: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok())).unwrap_or(0.0)
}

async fn metrics(server: &Server) -> String {
    server.http.get(format!("{}/metrics", server.url)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_share_group_commits() {
    let server = Server::start().await;
    let id = "escrow-load";
    let e = funded_escrow(&server, id).await;
    server.clock.set(ny("2005-08-23T09:00"));
    let before = metrics(&server).await;
    const N: usize = 300;
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let (http, url, token) = (server.http.clone(), format!("{}/v1/agreements/{id}/commands", server.url), e.alpha.clone());
            tokio::spawn(async move {
                let body = json!({"type": "deposit", "account": "escrow", "amount": "1.00"}).to_string();
                http.post(url).bearer_auth(token).header("Idempotency-Key", format!("load-{i}")).body(body).send().await.expect("request").status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    let after = metrics(&server).await;
    let commands = metric(&after, "pacta_batch_size_sum") - metric(&before, "pacta_batch_size_sum");
    let batches = metric(&after, "pacta_batch_size_count") - metric(&before, "pacta_batch_size_count");
    assert_eq!(commands as usize, N);
    assert!(batches < N as f64, "{N} concurrent commands took {batches} commits: no batching");
    let balances = server.get(&e.alpha, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6000300.00");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_race_the_deadline_on_postgres() {
    let Some(a) = Server::on(Db::Postgres, ny("2005-08-19T09:00")).await else { return };
    const ROUNDS: usize = 8;
    let mut escrows = Vec::new();
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        let e = one_signature_short(&a, &id, ESCROW).await;
        escrows.push((id, e));
    }
    // The waiver is still missing. Server B starts (and recovers everything) just before the deadline.
    a.clock.set(ny("2005-09-02T23:59:59.999"));
    let b = a.second().await;
    // A's clock reaches the deadline: its scheduler fires the refunds. At the same
    // moment B (a millisecond earlier by its clock) takes the waiver and the last signature.
    let (go, ready) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for (id, e) in &escrows {
        let nir = token(&e.tokens, "nir");
        let signature = b.signature(&e.gamma, id, "release_notice", &as_written(), "gamma").await;
        let (http, url) = (b.http.clone(), format!("{}/v1/agreements/{id}/commands", b.url));
        let gamma = e.gamma.clone();
        let id = id.clone();
        let mut ready = ready.clone();
        // Staggered around the moment A's clock reaches the deadline, so some
        // escrows' waivers race the refund from either side.
        let delay = std::time::Duration::from_millis(2 * tasks.len() as u64);
        tasks.push(tokio::spawn(async move {
            let _ = ready.wait_for(|go| *go).await;
            tokio::time::sleep(delay).await;
            let waiver = json!({"type": "deliver", "document": "nir_waiver", "content": "waiver"}).to_string();
            let w = http.post(&url).bearer_auth(&nir).header("Idempotency-Key", format!("{id}-w")).body(waiver).send().await.unwrap().status();
            let sign = json!({"type": "sign", "instrument": "release_notice", "terms": {"kind": "as_written"}, "signature": signature}).to_string();
            let s = http.post(&url).bearer_auth(&gamma).header("Idempotency-Key", format!("{id}-s")).body(sign).send().await.unwrap().status();
            (w, s)
        }));
    }
    let _ = go.send(true);
    tokio::time::sleep(std::time::Duration::from_millis(ROUNDS as u64)).await;
    a.clock.set(ny("2005-09-03T00:00"));
    for task in tasks {
        let (waiver, sign) = task.await.unwrap();
        assert!(waiver == StatusCode::OK, "the waiver is always journaled (in time or late): {waiver}");
        assert!(sign == StatusCode::OK || sign == StatusCode::UNPROCESSABLE_ENTITY, "{sign}");
    }
    b.clock.set(ny("2005-09-03T00:00:01"));
    let (mut released, mut refunded) = (0, 0);
    for (id, _) in &escrows {
        match outcome(&a, id).await {
            Outcome::Released => released += 1,
            Outcome::Refunded => refunded += 1,
        }
    }
    eprintln!("race: {ROUNDS} escrows, {released} released, {refunded} refunded, 0 double outcomes");
    let report = pacta_store::verify(&a.running.as_ref().unwrap().store, |_| {}).await.expect("verify runs");
    assert!(report.is_clean(), "the journal verifies");
    b.stop().await;
    a.stop().await;
}

/// A funded escrow with its waiver still missing and every Release Notice
/// signature but gamma's: one delivery and one signature from release.
async fn one_signature_short(server: &Server, id: &str, source: &str) -> Escrow {
    let e = funded_escrow_from(server, id, source).await;
    let company = token(&e.tokens, "company");
    for (at, who) in [("2005-08-23T10:00", &company), ("2005-08-23T10:01", &e.alpha), ("2005-08-23T10:02", &e.beta), ("2005-08-23T10:03", &e.gamma)] {
        server.ok(at, who, id, json!({"type": "deliver", "document": "signature_pages", "content": "page"})).await;
    }
    server.ok("2005-08-23T16:00", &company, id, json!({"type": "deliver", "document": "closing_documents", "content": "closing"})).await;
    for (at, who, name) in [("2005-08-24T09:00", &company, "company"), ("2005-08-24T09:30", &e.alpha, "alpha"), ("2005-08-24T10:00", &e.beta, "beta")] {
        assert_eq!(server.sign(at, who, id, "release_notice", as_written(), name).await.status, StatusCode::OK);
    }
    e
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Released,
    Refunded,
}

/// How an escrow ended, once its custody is empty, after checking that it ended
/// exactly one way, that its deadline fired at most once and that its chain holds.
async fn outcome(server: &Server, id: &str) -> Outcome {
    let balances = server.eventually(ADMIN, &format!("/v1/agreements/{id}/balances"), |b| b["custody"][0]["total"] == "0.00").await;
    let journal = server.get(ADMIN, &format!("/v1/agreements/{id}/journal")).await.body;
    let entries = journal["entries"].as_array().unwrap();
    let fired = entries.iter().filter(|e| e["type"] == "deadline_fired").count();
    let clauses: Vec<&str> = entries.iter().filter(|e| e["type"] == "posted").filter_map(|e| e["event"]["cause"]["clause"].as_str()).collect();
    let release = clauses.contains(&"1.5");
    let refund = clauses.contains(&"1.7");
    assert!(fired <= 1, "{id}: the deadline fired {fired} times");
    assert!(release != refund, "{id}: exactly one outcome (release {release}, refund {refund}): {balances}");
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "{id}: the chain holds");
    }
    if release {
        Outcome::Released
    } else {
        Outcome::Refunded
    }
}

/// When the escrow's pending §1.7 refund deadline falls due.
async fn refund_due(server: &Server, id: &str) -> Timestamp {
    let deadlines = server.get(ADMIN, &format!("/v1/agreements/{id}/deadlines")).await.body;
    let refund = deadlines.as_array().unwrap().iter().find(|d| d["clause"] == "1.7" && d["status"] == "pending").expect("§1.7 pending");
    refund["due_utc"].as_str().unwrap().parse().expect("an instant")
}

/// The waiver, then gamma's last Release Notice signature, sent to `server`.
async fn waiver_and_last_signature(server: &Server, id: &str, e: &Escrow) -> (StatusCode, StatusCode) {
    let nir = token(&e.tokens, "nir");
    let signature = server.signature(&e.gamma, id, "release_notice", &as_written(), "gamma").await;
    let waiver = server.command(&nir, id, json!({"type": "deliver", "document": "nir_waiver", "content": "waiver"})).await.status;
    let sign = json!({"type": "sign", "instrument": "release_notice", "terms": as_written(), "signature": signature});
    (waiver, server.command(&e.gamma, id, sign).await.status)
}

/// Both sides of the race, each forced, on two servers sharing one PostgreSQL.
/// Escrows dated 2005-08-19 have their §1.7 deadline first: server A's clock
/// reaches it and A refunds them before server B, whose clock is a millisecond
/// short, takes their waivers and last signatures. Escrows dated 2005-08-22 fall
/// due later: B takes their waivers and last signatures a millisecond before the
/// deadline, and then A's clock reaches it while A still holds the states from
/// before (it does not poll for other servers' writes here). A's scheduler fires
/// on that stale state; its append loses the seq check, A reloads, finds the
/// deadline met, and nothing moves. Every escrow must end exactly one way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_race_the_deadline_both_ways_on_postgres() {
    let Some(a) = Server::on(Db::Postgres, ny("2005-08-19T09:00")).await else { return };
    let a = a.without_discovery().await;
    const EACH: usize = 3;
    let later = ESCROW.replace("dated 2005-08-19", "dated 2005-08-22");
    assert_ne!(later, ESCROW, "the seed names its date");
    let mut refund_first = Vec::new();
    let mut release_first = Vec::new();
    for n in 0..EACH {
        refund_first.push((format!("refund-first-{n}"), one_signature_short(&a, &format!("refund-first-{n}"), ESCROW).await));
        release_first.push((format!("release-first-{n}"), one_signature_short(&a, &format!("release-first-{n}"), &later).await));
    }
    let (first_due, second_due) = (refund_due(&a, &refund_first[0].0).await, refund_due(&a, &release_first[0].0).await);
    assert!(first_due < second_due, "{first_due} {second_due}");
    let just_before = |t: Timestamp| t - jiff::SignedDuration::from_millis(1);

    // B starts now, so it too holds every escrow one signature short.
    a.clock.set(just_before(first_due));
    let b = a.second().await;

    // The refund wins: A's clock reaches the first deadline and A refunds.
    a.clock.set(first_due);
    for (id, _) in &refund_first {
        a.eventually(ADMIN, &format!("/v1/agreements/{id}/balances"), |b| b["custody"][0]["total"] == "0.00").await;
    }
    for (id, e) in &refund_first {
        let (waiver, sign) = waiver_and_last_signature(&b, id, e).await;
        assert_eq!(waiver, StatusCode::OK, "{id}: a late waiver is still journaled");
        assert_eq!(sign, StatusCode::UNPROCESSABLE_ENTITY, "{id}: the account was refunded and closed");
    }

    // The release wins: B takes the waiver and the last signature first.
    b.clock.set(just_before(second_due));
    for (id, e) in &release_first {
        assert_eq!(waiver_and_last_signature(&b, id, e).await, (StatusCode::OK, StatusCode::OK), "{id}");
    }
    let conflicts_before = metric(&metrics(&a).await, "pacta_append_conflicts_total");
    a.clock.set(second_due);
    let mut conflicts = conflicts_before;
    for _ in 0..500 {
        conflicts = metric(&metrics(&a).await, "pacta_append_conflicts_total");
        if conflicts > conflicts_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(conflicts > conflicts_before, "A fired on its stale state, lost the seq check and reloaded");

    for (id, _) in &refund_first {
        assert_eq!(outcome(&a, id).await, Outcome::Refunded, "{id}");
    }
    for (id, _) in &release_first {
        assert_eq!(outcome(&a, id).await, Outcome::Released, "{id}");
    }
    let lost = metric(&metrics(&a).await, "pacta_append_conflicts_total") - conflicts_before;
    eprintln!("race both ways: {EACH} refunded by A before B's signatures, {EACH} released by B before A's deadline; A's stale appends lost the seq check {lost} times");
    let report = pacta_store::verify(&a.running.as_ref().unwrap().store, |_| {}).await.expect("verify runs");
    assert!(report.is_clean(), "the journal verifies");
    b.stop().await;
    a.stop().await;
}
