-- Escrow Agreement among ROO Group, Inc., the Purchasers and Kramer Levin
-- Naftalis & Frankel LLP as Escrow Agent, made as of August 19, 2005
-- (seed 002: Articles 1 and 2 and Exhibit A, the Release Notice).

agreement "Escrow Agreement"
  dated 2005-08-19
  governed by "New York"
  currency USD
  business days "us-federal-reserve" in "America/New_York"

parties
  company   "ROO Group, Inc."
  agent     "Kramer Levin Naftalis & Frankel LLP" is escrow agent
  purchaser many "each Purchaser signatory hereto"
  nir       "NIR Group"
  kramer    "Kramer Levin Naftalis & Frankel LLP"
  sichenzia "Sichenzia Ross Friedman Ference LLP"
  burnham   "Burnham Hill Partners, a division of Pali Capital, Inc."

-- The offering is up to 266,666,666 shares at $0.03: at most 7,999,999.98.
account escrow "master escrow account (IOLA)" held by agent limit 7,999,999.98

document nir_waiver        "NIR Waiver (Exhibit B)" delivered by nir or company
document signature_pages   "counterpart signature pages of the Transaction Documents" delivered by company and each purchaser
document closing_documents "closing documents under Article IV of the Purchase Agreement" delivered by company

instrument release_notice "Release Notice (Exhibit A)" signed by company and each purchaser
instrument settlement     "mutual written settlement of a dispute" signed by company and each purchaser

clause 1.1 "Escrow account"
  each purchaser may deposit into escrow

clause 1.2 "Advice of funds"
  when received nir_waiver and received signature_pages and received closing_documents:
    notify company and each purchaser "amount of funds received into the master escrow account"

-- 1.3 (wire instructions), 1.4 (delivery of the Release Notice after the advice)
-- and 1.6 (wires per the Company's instructions) move no money by themselves.

clause 1.5 "Release"
  when signed release_notice and received nir_waiver and received signature_pages and received closing_documents:
    pay from escrow
      15,000.00 to kramer
      48,500.00 to sichenzia
      520,000.00 to burnham
      the rest to company

clause 1.7 "Return of funds"
  unless received nir_waiver within 10 business days of dated:
    refund escrow to each purchaser

clause 2.7 "Amendment"
  amendments signed by company and each purchaser and agent

clause 2.9 "Court orders"
  agent obeys court orders

clause 2.12 "Resignation"
  agent may resign by notice to company and each purchaser
  successor appointed by company and each purchaser
  escrow passes to the successor

clause 2.14 "Disputes"
  on dispute by any party:
    hold escrow until signed settlement or court order
  agent may deposit escrow with court "a state or Federal court in the City of New York, Borough of Manhattan"
