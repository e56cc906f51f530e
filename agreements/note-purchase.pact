-- Note Purchase Agreement between ROO Group, Inc. and Robert Petty,
-- made as of May 18, 2005 (seed 001).

agreement "Note Purchase Agreement"
  dated 2005-05-18
  governed by "New York"
  currency USD
  business days "us-federal-reserve" in "America/New_York"

parties
  company "ROO Group, Inc."
  petty   "Robert Petty"

document registration_rights "executed Registration Rights Agreement (Exhibit B)" delivered by company

clause 1 "Purchase and sale of the Note"
  note note "$600,000 principal amount promissory note (Exhibit A)"
    issued by company to petty
    principal 600,000.00
    purchase price 500,500.00
    secured by "a general security interest in and to any and all assets of the Company"
    -- Exhibit A (the form of Note) is not attached to the seed: its interest
    -- rate, day count, maturity, payments and prepayment terms are unknown,
    -- so none are stated here and the engine invents none.

-- Clause 2 sets the purchase price; clause 3.3 is where it is paid, at the
-- Closing, which takes place on the date of the agreement (clause 3.1).

clause 3.2 "Delivery by the Company"
  when paid purchase_price and received registration_rights:
    issue note

clause 3.3 "Delivery by Petty"
  obligation purchase_price: petty pays 500,500.00 to company within 0 business days of dated

clause 7.1 "Assignment"
  assignment signed by company and petty

clause 7.2 "Notices"
  notice by personal delivery is given when delivered
  notice by telecopy is given when transmitted
  notice by telex is given when transmitted
  notice by certified mail is given on receipt
  notice by registered mail is given on receipt

clause 7.8 "Arbitration"
  on dispute by any party:
    arbitrate "National Association of Securities Dealers, Inc., securities industry panel"

clause 7.9 "Amendments"
  amendments signed by company and petty
