//! Every endpoint, and every command the engine knows, through the API.

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

fn entries_of(reply: &Reply) -> Vec<String> {
    reply.body["entries"].as_array().map(|a| a.iter().map(|e| e["type"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn operations_endpoints() {
    let server = Server::start().await;
    let health = server.http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let health: Value = health.json_value().await;
    assert_eq!(health, json!({"status": "ok", "agreements": 0, "database": "sqlite"}));

    let e = funded_escrow(&server, "ops").await;
    let _ = server.command(&e.alpha, "ops", json!({"type": "deposit", "account": "nowhere", "amount": "1.00"})).await;
    let metrics = server.http.get(format!("{}/metrics", server.url)).send().await.unwrap();
    assert!(metrics.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let metrics = metrics.text().await.unwrap();
    for name in [
        "pacta_commands_applied_total 7",
        "pacta_commands_rejected_total 1",
        "pacta_batch_size_bucket",
        "pacta_commit_seconds_count",
        "pacta_deadlines_fired_total 0",
        "pacta_agreements 1",
    ] {
        assert!(metrics.contains(name), "{name} in\n{metrics}");
    }

    let doc = server.http.get(format!("{}/v1/openapi.json", server.url)).send().await.unwrap();
    assert_eq!(doc.status(), StatusCode::OK);
    let doc: Value = doc.json_value().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/agreements",
        "/v1/agreements/{id}",
        "/v1/agreements/{id}/commands",
        "/v1/agreements/{id}/tokens",
        "/v1/agreements/{id}/signing-payload",
        "/v1/agreements/{id}/balances",
        "/v1/agreements/{id}/conditions",
        "/v1/agreements/{id}/deadlines",
        "/v1/agreements/{id}/postings",
        "/v1/agreements/{id}/postings/{n}/why",
        "/v1/agreements/{id}/journal",
        "/healthz",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let commands = doc["components"]["schemas"]["CommandRequest"].to_string();
    for kind in [
        "join",
        "deposit",
        "deliver",
        "sign",
        "dispute",
        "court_order",
        "deposit_with_court",
        "resign",
        "report",
        "pay_obligation",
        "issue_warrant",
        "exercise_warrant",
        "send_notice",
        "acknowledge_notice",
        "tick",
    ] {
        assert!(commands.contains(&format!("\"{kind}\"")), "{kind} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    server.stop().await;
}

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

#[tokio::test]
async fn signing_payload_is_the_exact_consent_message() {
    let server = Server::start().await;
    let id = "escrow-sign";
    let e = funded_escrow(&server, id).await;
    let reply = server.get(&e.alpha, &format!("/v1/agreements/{id}/signing-payload?instrument=release_notice")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let expected = pacta_core::consent::ConsentScope {
        agreement_id: id,
        version: 1,
        instrument: "release_notice",
        signer: "alpha",
        terms: &pacta_core::consent::Terms::AsWritten,
    }
    .message();
    assert_eq!(reply.body["message_hex"], hex::encode(&expected));
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(reply.body["message_base64"].as_str().unwrap()).unwrap(), expected);
    assert_eq!(reply.body["signer"], "alpha");
    let unknown = server.get(&e.alpha, &format!("/v1/agreements/{id}/signing-payload?instrument=release_notice&signer=mallory")).await;
    assert_eq!(unknown.code(), "unknown_party");
    let missing = server.get(&e.alpha, &format!("/v1/agreements/{id}/signing-payload")).await;
    assert_eq!(missing.code(), "invalid_query");
    server.stop().await;
}

#[tokio::test]
async fn tokens_can_be_issued_again() {
    let server = Server::start().await;
    let id = "escrow-tokens";
    let e = funded_escrow(&server, id).await;
    let agent = token(&e.tokens, "agent");
    let reply = server.post(&agent, &format!("/v1/agreements/{id}/tokens"), json!({"party": "beta"})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let fresh = reply.body["token"].as_str().unwrap().to_string();
    let me = server.get(&fresh, &format!("/v1/agreements/{id}")).await.body;
    assert_eq!(me["you"]["identity"], "beta");
    // The old token still works too.
    assert_eq!(server.get(&e.beta, &format!("/v1/agreements/{id}")).await.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn dispute_and_settlement_with_directions() {
    let server = Server::start().await;
    let id = "escrow-settle";
    let e = funded_escrow(&server, id).await;
    let company = token(&e.tokens, "company");
    let nir = token(&e.tokens, "nir");
    server.ok("2005-08-22T14:00", &nir, id, json!({"type": "deliver", "document": "nir_waiver", "content": "waiver"})).await;
    let disputed = server.ok("2005-08-23T09:00", &company, id, json!({"type": "dispute", "reason": "placement agent fee"})).await;
    assert!(entries_of(&disputed).contains(&"hold_placed".to_string()), "{}", disputed.body);
    let detail = server.get(&company, &format!("/v1/agreements/{id}")).await.body;
    assert_eq!(detail["accounts"][0]["held"], true);
    assert_eq!(detail["disputes"][0]["by"], "company");

    let terms = json!({"kind": "directions", "directions": [
        {"type": "pay", "amount": "15,000.00", "to": "kramer"},
        {"type": "pay", "amount": "48,500.00", "to": "sichenzia"},
        {"type": "pay", "amount": "400,000.00", "to": "burnham"},
        {"type": "pay_rest", "to": "company"}]});
    let other = json!({"kind": "directions", "directions": [{"type": "refund_depositors"}]});
    assert_eq!(server.sign("2005-08-30T10:00", &company, id, "settlement", terms.clone(), "company").await.status, StatusCode::OK);
    let mismatch = server.sign("2005-08-30T10:30", &e.alpha, id, "settlement", other, "alpha").await;
    assert_eq!(mismatch.code(), "terms_mismatch");
    for (at, who, name) in [("2005-08-30T11:00", &e.alpha, "alpha"), ("2005-08-30T11:30", &e.beta, "beta"), ("2005-08-30T12:00", &e.gamma, "gamma")] {
        let reply = server.sign(at, who, id, "settlement", terms.clone(), name).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let balances = server.get(&company, &format!("/v1/agreements/{id}/balances")).await.body;
    let party = |name: &str| balances["parties"].as_array().unwrap().iter().find(|l| l["account"] == name).map(|l| l["amount"].clone());
    assert_eq!(party("burnham"), Some(json!("400000.00")));
    assert_eq!(party("company"), Some(json!("5536500.00")));
    server.stop().await;
}

#[tokio::test]
async fn court_deposit_court_order_resignation_and_amendment() {
    let server = Server::start().await;
    // Deposit with the court after a dispute.
    let e = funded_escrow(&server, "court-deposit").await;
    let agent = token(&e.tokens, "agent");
    server.ok("2005-08-25T09:00", &e.alpha, "court-deposit", json!({"type": "dispute", "reason": "conflicting instructions"})).await;
    server.ok("2005-08-26T10:00", &agent, "court-deposit", json!({"type": "deposit_with_court", "account": "escrow"})).await;
    let balances = server.get(&agent, "/v1/agreements/court-deposit/balances").await.body;
    assert_eq!(balances["courts"][0]["amount"], "6000000.00", "{balances}");

    // A final court order refunding the depositors.
    let e = funded_escrow(&server, "court-order").await;
    server.ok("2005-08-22T16:00", &e.beta, "court-order", json!({"type": "dispute", "reason": "ownership of the funds"})).await;
    let order = json!({"type": "court_order", "court": "Supreme Court of the State of New York, New York County", "account": "escrow",
        "order_sha256": hex::encode(pacta_server::convert::input::sha256(b"order")), "is_final": true, "directions": [{"type": "refund_depositors"}]});
    let obeyed = server.ok("2005-11-07T10:00", ADMIN, "court-order", order).await;
    assert!(entries_of(&obeyed).contains(&"court_order_obeyed".to_string()), "{}", obeyed.body);
    assert_eq!(server.get(ADMIN, "/v1/agreements/court-order/balances").await.body["custody"][0]["total"], "0.00");

    // Resignation, then a successor appointed by the company and each purchaser.
    let e = funded_escrow(&server, "resign").await;
    let agent = token(&e.tokens, "agent");
    let company = token(&e.tokens, "company");
    server.ok("2005-08-23T09:00", &agent, "resign", json!({"type": "resign"})).await;
    let successor_key = hex::encode(pacta_core::consent::demo_signing_key("wilmington").verifying_key().to_bytes());
    let terms = json!({"kind": "successor", "legal_name": "Wilmington Trust Company", "public_key": successor_key});
    for (at, who, name) in [
        ("2005-08-24T10:00", &company, "company"),
        ("2005-08-24T10:10", &e.alpha, "alpha"),
        ("2005-08-24T10:20", &e.beta, "beta"),
        ("2005-08-24T10:30", &e.gamma, "gamma"),
    ] {
        let reply = server.sign(at, who, "resign", "successor", terms.clone(), name).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let detail = server.get(&company, "/v1/agreements/resign").await.body;
    let agent_party = detail["parties"].as_array().unwrap().iter().find(|p| p["name"] == "agent").unwrap().clone();
    assert_eq!(agent_party["legal_name"], "Wilmington Trust Company");
    assert_eq!(detail["resigned_at"], Value::Null);

    // An amendment: every required signature over the new source; version 2 takes over.
    let e = funded_escrow(&server, "amend").await;
    let agent = token(&e.tokens, "agent");
    let company = token(&e.tokens, "company");
    let terms = json!({"kind": "amendment", "source": AMENDMENT});
    for (at, who, name) in [
        ("2005-08-30T10:00", &company, "company"),
        ("2005-08-30T10:01", &e.alpha, "alpha"),
        ("2005-08-30T10:02", &e.beta, "beta"),
        ("2005-08-30T10:03", &e.gamma, "gamma"),
        ("2005-08-30T10:05", &agent, "agent"),
    ] {
        let reply = server.sign(at, who, "amend", "amendment", terms.clone(), name).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let detail = server.get(&company, "/v1/agreements/amend").await.body;
    assert_eq!(detail["version"], 2);
    // The amended deadline (15 business days) is still ahead on 2005-09-06; the journal decodes after a restart.
    let server = server.restart().await;
    let detail = server.get(ADMIN, "/v1/agreements/amend").await.body;
    assert_eq!(detail["version"], 2);
    let deadlines = server.get(ADMIN, "/v1/agreements/amend/deadlines").await.body;
    assert!(deadlines.as_array().unwrap().iter().any(|d| d["period"] == "15 business days" && d["status"] == "pending"), "{deadlines}");
    server.stop().await;
}

#[tokio::test]
async fn note_purchase_obligations_notices_assignment_and_arbitration() {
    let server = Server::start_at(ny("2005-05-18T09:00")).await;
    let id = "note";
    let tokens = server.open(id, NOTE).await;
    let company = token(&tokens, "company");
    let petty = token(&tokens, "petty");
    server.ok("2005-05-18T10:00", &company, id, json!({"type": "deliver", "document": "registration_rights", "content": "executed"})).await;
    let paid = server
        .ok("2005-05-18T10:06", &petty, id, json!({"type": "pay_obligation", "obligation": "purchase_price", "to": "company", "amount": "500,500.00"}))
        .await;
    assert!(entries_of(&paid).contains(&"note_issued".to_string()), "{}", paid.body);
    let sent = server
        .ok("2005-05-18T11:15", &petty, id, json!({"type": "send_notice", "to": "company", "method": "certified mail", "subject": "Change of address"}))
        .await;
    let notice = sent.body["entries"].as_array().unwrap().iter().find(|e| e["type"] == "notice_sent").unwrap()["event"]["id"].as_u64().unwrap();
    let refused = server.command(&petty, id, json!({"type": "acknowledge_notice", "notice": notice})).await;
    assert_eq!(refused.code(), "not_permitted");
    server.ok("2005-05-23T09:00", &company, id, json!({"type": "acknowledge_notice", "notice": notice})).await;
    let detail = server.get(&petty, &format!("/v1/agreements/{id}")).await.body;
    assert_ne!(detail["notices"][0]["given"], Value::Null);
    assert_eq!(detail["obligations"][0]["status"], "met");

    let trust = hex::encode(pacta_core::consent::demo_signing_key("petty_trust").verifying_key().to_bytes());
    let terms = json!({"kind": "assignment", "assignor": "petty", "assignee_legal_name": "Petty Family Trust", "public_key": trust});
    assert_eq!(server.sign("2005-06-01T10:00", &petty, id, "assignment", terms.clone(), "petty").await.status, StatusCode::OK);
    let assigned = server.sign("2005-06-02T10:00", &company, id, "assignment", terms, "company").await;
    assert!(entries_of(&assigned).contains(&"assigned".to_string()), "{}", assigned.body);
    // No escrow agent here: the admin may let time pass, but has nobody to act as.
    assert_eq!(server.command(ADMIN, id, json!({"type": "tick"})).await.status, StatusCode::OK);
    let as_nobody = server.command(ADMIN, id, json!({"type": "dispute", "reason": "x"})).await;
    assert_eq!((as_nobody.status, as_nobody.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let disputed = server.ok("2005-07-01T10:00", &company, id, json!({"type": "dispute", "reason": "timing of the registration statement"})).await;
    assert!(entries_of(&disputed).contains(&"arbitration_referred".to_string()), "{}", disputed.body);
    server.stop().await;
}

#[tokio::test]
async fn omnibus_prepayment_reverse_split_and_warrants() {
    let server = Server::start_at(ny("2005-08-18T09:00")).await;
    let id = "omnibus";
    let tokens = server.open(id, OMNIBUS).await;
    let company = token(&tokens, "company");
    let offshore = token(&tokens, "ajw_offshore");
    for (at, holder) in [
        ("2005-08-24T10:00", "ajw_offshore"),
        ("2005-08-24T10:01", "ajw_qualified"),
        ("2005-08-25T10:02", "ajw_partners"),
        ("2005-08-25T10:03", "new_millennium"),
    ] {
        server.ok(at, &company, id, json!({"type": "pay_obligation", "obligation": "prepayment", "to": holder, "amount": "850,000.00"})).await;
    }
    server.ok("2005-10-20T16:00", &company, id, json!({"type": "report", "event": "reverse_split"})).await;
    let allocation: Vec<Value> =
        ["ajw_offshore", "ajw_qualified", "ajw_partners", "new_millennium"].iter().map(|h| json!({"holder": h, "shares": 750_000})).collect();
    server.ok("2005-10-25T10:00", &company, id, json!({"type": "issue_warrant", "warrant": "prepayment_warrants", "allocation": allocation})).await;
    let exercised =
        server.ok("2005-11-01T10:00", &offshore, id, json!({"type": "exercise_warrant", "warrant": "prepayment_warrants", "shares": 100_000})).await;
    assert!(entries_of(&exercised).contains(&"warrant_exercised".to_string()), "{}", exercised.body);
    let detail = server.get(&offshore, &format!("/v1/agreements/{id}")).await.body;
    let warrant = &detail["warrants"][0];
    assert_eq!(warrant["remaining"]["ajw_offshore"], 650_000);
    // Deadlines are listed with the calendar that produced them and the time left.
    server.clock.set(ny("2005-12-01T10:00"));
    let deadlines = server.get(&offshore, &format!("/v1/agreements/{id}/deadlines")).await.body;
    assert!(deadlines.as_array().unwrap().iter().all(|d| d["calendar"] == "us-federal-reserve" && d["time_zone"] == "America/New_York"));
    server.stop().await;
}
