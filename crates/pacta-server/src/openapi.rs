//! The OpenAPI 3 document, generated from the handlers' annotations and the DTOs
//! (utoipa), served at `/v1/openapi.json`. No UI is bundled: nothing may be
//! downloaded at build time, and any OpenAPI viewer can read the document.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::dto::*;
use crate::routes::{agreements, commands, ops, reads};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pacta",
        description = "Escrow and financing agreements as code. Bearer tokens map each request to a party of one agreement; \
                       the admin token acts as the escrow agent of every agreement. Every write takes an `Idempotency-Key`. \
                       Errors are `{code, message, clause?, field?}`; see docs/api.md for the codes."
    ),
    paths(
        agreements::open, agreements::list, agreements::show, agreements::issue_token,
        commands::submit_command, commands::signing_payload, commands::signing_payload_for_terms,
        reads::balances, reads::conditions, reads::deadlines, reads::postings, reads::why, reads::journal,
        ops::healthz, ops::metrics,
    ),
    components(schemas(
        ErrorBody, Diagnostic, OpenRequest, TokenRequest, CommandRequest, TermsDto, DirectionDto, AllocationDto, SigningPayloadRequest,
        AgreementSummary, AmountLine, Caller, AgreementDetail, PartyView, MemberView, AccountView, DisputeView, ObligationView, WarrantView,
        NoticeView, TerminationView, OpenResponse, TokenResponse, EntryView, CommandResponse, BalancesView, CustodyView, CustodyPart,
        ConditionsView, DocumentCheck, DeliveryView, InstrumentCheck, SignatureView, DeadlineView, PostingView, WhyView, JournalView,
        SigningPayload, Health,
    )),
    modifiers(&Bearer),
    tags(
        (name = "agreements", description = "Open instances, list and read them, issue tokens"),
        (name = "commands", description = "Everything the engine can be asked to do, and what to sign"),
        (name = "reads", description = "Balances, the conditions checklist, deadlines, postings and why, the journal"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

pub fn document() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}
