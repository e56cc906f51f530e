-- Omnibus Consent and Waiver between ROO Group, Inc. and the NIR Group
-- holders, dated as of August 18, 2005 (seed 002, Exhibit B, with Schedule A).

agreement "Omnibus Consent and Waiver"
  dated 2005-08-18
  governed by "New York"
  currency USD
  business days "us-federal-reserve" in "America/New_York"

parties
  company        "ROO Group, Inc."
  ajw_offshore   "AJW Offshore, Ltd."
  ajw_qualified  "AJW Qualified Partners, LLC"
  ajw_partners   "AJW Partners, LLC"
  new_millennium "New Millennium Capital Partners II, LLC"
  holder group ajw_offshore, ajw_qualified, ajw_partners, new_millennium

event reverse_split "a reverse split of the outstanding common stock, or an increase in the authorized shares" reported by company

instrument consent_and_waiver "this Consent and Waiver" signed by company and each holder

-- Clause 1 (consent to the private placement of up to 266,666,666 shares at
-- $0.03), 2, 6, 7, 9, 10 and 11 move no money and set no deadline.

clause 3 "Waiver of share reservation"
  -- In force from the date hereof until the Prepayment is completed or ten
  -- business days have passed, whichever is earlier; clause 8 ends it early.
  waiver share_reservation until paid prepayment but no longer than 10 business days of dated

clause 4 "No exercise before the reverse split"
  -- Governs the 2004 and 2005 Warrants, which live outside this agreement.
  holder may not exercise warrants before occurred reverse_split

clause 5 "Reverse split"
  unless occurred reverse_split within 75 days of dated:
    accrue 2,000.00 every 7 days owed by company to holder until occurred reverse_split

clause 8 "Termination"
  unless paid prepayment within 10 business days of dated:
    terminate "this Consent and Waiver is void"

clause A.1 "Prepayment in cash"
  obligation prepayment: company pays 3,400,000.00 to holder within 5 business days of dated

clause A.2 "Prepayment Warrants"
  warrant prepayment_warrants "Prepayment Warrants"
    issued by company to holder
    3,000,000 shares at 0.03 per share
    exercisable for 5 years from issue
    issue within 5 business days of occurred reverse_split
