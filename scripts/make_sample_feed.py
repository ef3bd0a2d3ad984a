#!/usr/bin/env python3
"""Write recruitbot/data/sample_feed.json, the sample vacancy feed loaded on first start.

The feed is made from the curated lists below (job titles with their sector, pay
bands and hand-written advert sentences; employer types; towns) with a fixed seed,
so running this script again gives a byte-identical file. Every location is
checked against recruitbot/data/uk_places.csv.

    .venv/bin/python scripts/make_sample_feed.py [--out PATH] [--places PATH]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import string
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
PLACES_CSV = ROOT / "recruitbot" / "data" / "uk_places.csv"
OUT_JSON = ROOT / "recruitbot" / "data" / "sample_feed.json"

SEED = 2026
FEED_DATE = dt.date(2026, 11, 25)  # "today" for the sample feed
POSTED_FROM = FEED_DATE - dt.timedelta(weeks=6)
CLOSES_FROM = dt.date(2026, 11, 26)
CLOSES_TO = dt.date(2027, 1, 31)
TOTAL = 360
FIRST_ID = 1873
URL_BASE = "https://www.11recruitment.example/vacancies/"

JOB_TYPE_SHARE = {"perm": 0.55, "temp": 0.35, "contract": 0.10}

SECTORS = (
    "Accountancy & Finance",
    "Administration & Office Support",
    "Customer Service",
    "HR",
    "Marketing",
    "Legal",
    "IT",
    "Sales",
    "Procurement & Supply Chain",
    "Property",
    "Engineering Office",
)

# ---------------------------------------------------------------------------
# Employer types: (article, employer type, groups it belongs to, where it can be)
# Groups say which job titles fit the employer; "where" limits a few employer
# types to the big cities where they are realistic (None = anywhere).
# ---------------------------------------------------------------------------
BIG_CITIES = frozenset({
    "Leeds", "Sheffield", "Manchester", "Liverpool", "Birmingham", "London", "City of London",
    "Canary Wharf", "Westminster", "Bristol", "Newcastle", "Nottingham", "Glasgow", "Edinburgh",
    "Cardiff", "Leicester", "Reading", "Milton Keynes", "Belfast", "Southampton", "Cambridge",
    "Aberdeen", "Salford Quays", "Croydon", "Stratford", "Camden",
})
UNIVERSITY_CITIES = frozenset({
    "Leeds", "Sheffield", "York", "Manchester", "Liverpool", "Birmingham", "London", "Camden",
    "Bristol", "Newcastle", "Nottingham", "Glasgow", "Edinburgh", "Cardiff", "Durham", "Exeter",
    "Southampton", "Oxford", "Cambridge", "Belfast", "Coventry",
})

EMPLOYERS = [
    ("a", "family-run manufacturer", {"corporate", "engineering", "manufacturer", "sme"}, None),
    ("a", "food manufacturer", {"corporate", "engineering", "logistics", "fmcg", "manufacturer"}, None),
    ("a", "print and packaging firm", {"corporate", "engineering", "manufacturer", "sme"}, None),
    ("a", "precision engineering company", {"corporate", "engineering", "manufacturer", "sme"}, None),
    ("an", "NHS trust", {"public", "health"}, None),
    ("a", "private hospital group", {"corporate", "health"}, None),
    ("a", "local authority", {"public", "housing"}, None),
    ("a", "Russell Group university", {"public"}, UNIVERSITY_CITIES),
    ("a", "multi-academy trust", {"public"}, None),
    ("a", "national charity", {"public"}, None),
    ("a", "police force", {"public"}, None),
    ("a", "national housing association", {"public", "housing", "property", "landlord"}, None),
    ("a", "top-50 law firm", {"legal", "lawfirm", "commlaw"}, BIG_CITIES),
    ("a", "regional law firm", {"legal", "lawfirm", "commlaw", "conveyancing"}, None),
    ("a", "high-street law firm", {"legal", "lawfirm", "conveyancing", "sme"}, None),
    ("a", "specialist personal injury firm", {"legal", "pi"}, None),
    ("an", "independent accountancy practice", {"practice"}, None),
    ("a", "top-20 accountancy firm", {"practice"}, BIG_CITIES),
    ("a", "regional building society", {"finserv"}, None),
    ("a", "specialist insurance broker", {"finserv"}, None),
    ("a", "wealth management firm", {"finserv"}, None),
    ("a", "FTSE 250 retailer", {"corporate", "retail"}, BIG_CITIES),
    ("a", "fast-growing e-commerce brand", {"retail", "tech"}, None),
    ("a", "national logistics company", {"corporate", "logistics"}, None),
    ("a", "builders' merchant", {"logistics", "retail", "trade", "sme"}, None),
    ("a", "wholesale distributor", {"logistics", "trade", "sme"}, None),
    ("a", "software house", {"tech"}, None),
    ("a", "managed IT services provider", {"tech"}, None),
    ("a", "telecoms provider", {"corporate", "tech"}, None),
    ("a", "digital marketing agency", {"agency", "sme"}, None),
    ("a", "creative agency", {"agency", "sme"}, None),
    ("a", "global engineering consultancy", {"corporate", "engineering"}, BIG_CITIES),
    ("a", "civil engineering contractor", {"engineering", "construction"}, None),
    ("an", "M&E contractor", {"engineering", "construction"}, None),
    ("a", "national housebuilder", {"corporate", "engineering", "construction", "property"}, None),
    ("a", "water utility", {"corporate", "engineering"}, None),
    ("a", "renewable energy developer", {"corporate", "engineering"}, None),
    ("an", "independent estate agency", {"agent", "sme"}, None),
    ("a", "residential lettings agency", {"agent", "sme"}, None),
    ("a", "residential property management company", {"property", "block"}, None),
    ("a", "commercial property consultancy", {"property", "landlord"}, None),
    ("a", "student accommodation provider", {"property", "landlord"}, None),
    ("a", "facilities management company", {"corporate", "property", "fm"}, None),
    ("a", "hotel group", {"corporate"}, None),
    ("a", "car dealership group", {"corporate", "retail"}, None),
    ("a", "pharmaceutical company", {"corporate", "fmcg"}, None),
    ("a", "contact centre outsourcer", {"contact"}, None),
    ("a", "leisure operator", {"corporate"}, None),
]

OFFICE = {"corporate", "public", "finserv", "retail", "logistics", "engineering", "tech"}
COMMERCIAL = {"corporate", "finserv", "retail", "logistics", "engineering", "tech"}
SERVICE = {"corporate", "finserv", "retail", "logistics", "tech", "public", "contact"}
MARKETING = {"agency", "corporate", "retail", "finserv", "tech"}
SUPPLY = {"corporate", "engineering", "logistics", "trade"}

# ---------------------------------------------------------------------------
# Job titles. Pay: perm = annual band in £k, temp = hourly band in £, contract =
# day rate band in £. A title is offered only in the job types it has a band for.
# w = how common the title is. Sentences may use {a_employer}/{A_employer}
# (employer type with its article) and {town}; nothing else.
# ---------------------------------------------------------------------------


def job(title, sector, groups, *, perm=None, temp=None, contract=None, w=1, interim=False,
      extras=(), s):
    """One curated job title: its sector, pay bands, employer groups and advert sentences."""
    assert sector in SECTORS, sector
    assert 2 <= len(s) <= 3
    return {
        "title": title, "sector": sector, "groups": set(groups), "perm": perm, "temp": temp,
        "contract": contract, "w": w, "interim": interim, "extras": tuple(extras), "s": tuple(s),
    }


TITLES = [
    # ---- Accountancy & Finance
    job("Accounts Assistant", "Accountancy & Finance", OFFICE | {"practice"},
      perm=(23, 26.5), temp=(13.00, 14.25), w=3, s=(
          "{A_employer} in {town} is looking for an Accounts Assistant to join its friendly finance team.",
          "You will process purchase and sales invoices, reconcile supplier statements and bank accounts, and help "
          "with month-end journals.",
          "AAT study or previous experience in a busy accounts office would be ideal.")),
    job("Purchase Ledger Clerk", "Accountancy & Finance", COMMERCIAL | {"public"},
      perm=(22.5, 25), temp=(12.90, 13.75), w=2, s=(
          "A busy purchase ledger role has come up with {a_employer} in {town}.",
          "You will match and code high volumes of invoices, run weekly payment runs and deal with supplier queries "
          "by phone and email.",
          "Sage 200 or SAP experience is useful, but accuracy and a methodical approach matter most.")),
    job("Credit Controller", "Accountancy & Finance", COMMERCIAL | {"trade"},
      perm=(24, 28), temp=(13.50, 15.00), w=3, s=(
          "{A_employer} in {town} needs a confident Credit Controller to manage a ledger of around 300 business "
          "accounts.",
          "You will chase overdue payments by phone and email, agree payment plans, resolve disputes with sales "
          "colleagues and report aged debt each week.",
          "Previous B2B credit control experience and a calm, persistent phone manner are essential.")),
    job("Payroll Administrator", "Accountancy & Finance", OFFICE | {"practice"},
      perm=(24, 28.5), temp=(14.00, 15.50), w=2, s=(
          "Join {a_employer} in {town} as a Payroll Administrator processing weekly and monthly payrolls for around "
          "1,200 employees.",
          "Duties include starters and leavers, timesheets, statutory payments, pension auto-enrolment and answering "
          "employee pay queries.",
          "You will need hands-on payroll experience, ideally with Sage, IRIS or ADP, and a sharp eye for detail.")),
    job("Payroll Manager", "Accountancy & Finance", OFFICE, perm=(40, 48), contract=(220, 280), interim=True, s=(
        "{A_employer} in {town} is looking for a Payroll Manager to lead a team of four payroll specialists.",
        "You will own end-to-end payroll for several entities, manage HMRC compliance and year-end, and drive "
        "improvements to the payroll system.",
        "CIPP qualified or working towards it, with previous team leadership experience.")),
    job("Management Accountant", "Accountancy & Finance", OFFICE,
      perm=(40, 48), temp=(21.00, 26.00), contract=(250, 320), w=3, s=(
          "{A_employer} in {town} is recruiting a Management Accountant to produce accurate monthly reporting for the "
          "senior team.",
          "You will prepare the management accounts, balance sheet reconciliations, budgets and forecasts, and "
          "explain variances to budget holders.",
          "Candidates should be CIMA or ACCA qualified or finalist, with strong Excel skills.")),
    job("Assistant Management Accountant", "Accountancy & Finance", OFFICE,
      perm=(28, 33), temp=(16.00, 18.00), w=2, s=(
          "An Assistant Management Accountant is needed by {a_employer} in {town}.",
          "Working closely with the Financial Controller, you will post journals and accruals, prepare "
          "reconciliations and help produce the monthly management pack.",
          "Part-qualified CIMA or ACCA candidates with at least a year in industry are encouraged to apply.")),
    job("Financial Controller", "Accountancy & Finance", COMMERCIAL | {"public"},
      perm=(55, 68), contract=(400, 500), interim=True, s=(
          "{A_employer} in {town} is seeking a hands-on Financial Controller to lead its finance function.",
          "Reporting to the Finance Director, you will manage a team of six, own month-end and year-end, lead the "
          "external audit and tighten controls and cash management.",
          "You will be a qualified accountant (ACA, ACCA or CIMA) with experience of managing a team in a similar-"
          "sized business.")),
    job("Finance Director", "Accountancy & Finance", COMMERCIAL, perm=(85, 110), contract=(650, 850), interim=True, s=(
        "{A_employer} based in {town} is looking for a Finance Director to join its board.",
        "You will lead financial strategy, funding and banking relationships, board reporting and a finance team of "
        "twelve through the next stage of growth.",
        "A qualified accountant with previous FD or senior finance leadership experience is required.")),
    job("Audit Senior", "Accountancy & Finance", {"practice"}, perm=(35, 42), s=(
        "{A_employer} in {town} is looking for an Audit Senior to run assignments for a varied portfolio of owner-"
        "managed businesses and charities.",
        "You will plan and lead audit fieldwork, supervise junior staff, and draft financial statements and "
        "management letters.",
        "ACA or ACCA qualified or finalist, with clear progression towards Audit Manager.")),
    job("Tax Semi-Senior", "Accountancy & Finance", {"practice"}, perm=(28, 34), s=(
        "{A_employer} in {town} has an opening for a Tax Semi-Senior in its private client team.",
        "You will prepare self-assessment returns for partners, landlords and high-net-worth clients, deal with HMRC "
        "correspondence and help with capital gains and inheritance tax work.",
        "ATT qualified or studying, with at least two years' personal tax experience in practice.")),
    job("Accounts Payable Team Leader", "Accountancy & Finance", COMMERCIAL | {"public"},
      perm=(30, 35), temp=(16.50, 18.50), s=(
          "{A_employer} in {town} is recruiting an Accounts Payable Team Leader to manage a team of five.",
          "You will oversee invoice processing and payment runs, resolve escalated supplier queries, monitor KPIs and "
          "keep the purchase ledger clean at month-end.",
          "Previous supervisory experience in a high-volume AP environment is essential.")),
    job("Finance Business Partner", "Accountancy & Finance", COMMERCIAL | {"public"},
      perm=(48, 58), contract=(350, 450), s=(
          "{A_employer} in {town} is looking for a Finance Business Partner to support its operations directors.",
          "You will build budgets and forecasts with budget holders, analyse cost and margin performance and turn the "
          "numbers into clear commercial recommendations.",
          "A qualified accountant with strong communication skills and advanced Excel.")),
    job("Bookkeeper", "Accountancy & Finance", {"sme", "practice"},
      perm=(24, 28), temp=(14.00, 16.00), w=2, s=(
          "{A_employer} in {town} needs an experienced Bookkeeper to keep its accounts in order.",
          "You will handle bookkeeping to trial balance, VAT returns, bank reconciliations and payroll journals using "
          "Xero and Excel.",
          "Part-time hours of 25 to 30 a week can be considered for the right person.")),
    job("Billing Administrator", "Accountancy & Finance", OFFICE | {"legal", "fm"},
      perm=(23, 25.5), temp=(13.00, 14.00), s=(
          "{A_employer} in {town} is looking for a Billing Administrator to join its finance team.",
          "You will raise accurate invoices and credit notes, check billing data against contracts and timesheets, "
          "and answer customer billing queries.",
          "Strong Excel skills and experience of a finance or billing system are needed.")),
    # ---- Administration & Office Support
    job("Administrator", "Administration & Office Support", OFFICE | {"legal", "property", "agent"},
      perm=(22, 24.5), temp=(12.80, 13.75), w=5, s=(
          "{A_employer} in {town} is looking for an organised Administrator to support a busy office team.",
          "You will manage shared inboxes, update records on the company database, prepare documents and letters, and "
          "keep filing and diaries in order.",
          "Good Microsoft Office skills and a friendly, professional phone manner are essential.")),
    job("Office Administrator", "Administration & Office Support", OFFICE | {"practice", "agency", "agent"},
      perm=(22.5, 25), temp=(13.00, 14.00), w=3, s=(
          "A varied Office Administrator role is available with {a_employer} in {town}.",
          "You will be the first point of contact for visitors and callers, order stationery and supplies, log "
          "invoices, and coordinate meeting rooms and deliveries.",
          "This suits someone who enjoys variety and can juggle several tasks at once.")),
    job("Admin Assistant", "Administration & Office Support", OFFICE | {"legal", "property"},
      perm=(21.5, 23.5), temp=(12.75, 13.25), w=4, s=(
          "{A_employer} in {town} needs an Admin Assistant to help its team keep on top of day-to-day paperwork.",
          "Tasks include data entry, scanning and filing, answering phone calls, booking appointments and preparing "
          "mail-outs.",
          "No previous office experience is required as full training is given, but good IT skills and attention to "
          "detail are a must.")),
    job("Receptionist", "Administration & Office Support", OFFICE | {"legal", "practice", "agency"},
      perm=(22, 24), temp=(12.75, 13.50), w=3, s=(
          "{A_employer} in {town} is looking for a professional Receptionist to look after its front-of-house.",
          "You will greet clients and visitors, manage the switchboard, book meeting rooms, issue visitor passes and "
          "handle incoming post and couriers.",
          "Smart presentation, a warm manner and previous reception experience are essential.")),
    job("Data Entry Clerk", "Administration & Office Support", COMMERCIAL | {"public", "trade"},
      perm=(22, 23.5), temp=(12.75, 13.20), w=2, s=(
          "{A_employer} in {town} needs a fast and accurate Data Entry Clerk.",
          "You will key orders, customer details and invoices into the company system, check data for errors and help "
          "clear a backlog of records.",
          "A typing speed of 45 words per minute or more and strong concentration are needed.")),
    job("Scanning and Data Administrator", "Administration & Office Support", {"public", "legal", "finserv", "health"},
      temp=(12.75, 13.25), s=(
          "{A_employer} in {town} is digitising its paper records and needs a Scanning and Data Administrator.",
          "You will prepare files, scan and index documents, and check every image against the original for quality.",
          "The work is repetitive, so accuracy and the ability to keep a steady pace are important.")),
    job("Office Manager", "Administration & Office Support", COMMERCIAL | {"legal", "practice", "agency", "property"},
      perm=(30, 36), temp=(16.00, 18.00), w=2, s=(
          "{A_employer} in {town} is looking for an experienced Office Manager to run its office of around 40 staff.",
          "You will manage facilities, suppliers and budgets, support HR administration and onboarding, and lead a "
          "small admin and reception team.",
          "Previous office management experience and a proactive, problem-solving approach are essential.")),
    job("Personal Assistant", "Administration & Office Support", COMMERCIAL | {"legal", "practice", "public"},
      perm=(30, 37), temp=(16.50, 19.00), w=2, s=(
          "{A_employer} in {town} requires a Personal Assistant to support a member of its senior leadership team.",
          "You will manage a complex diary, arrange travel and meetings, take minutes, prepare reports and "
          "presentations, and act as a trusted gatekeeper.",
          "Discretion, excellent written English and previous senior-level PA experience are essential.")),
    job("Executive Assistant", "Administration & Office Support", COMMERCIAL | {"legal"},
      perm=(38, 48), temp=(19.00, 23.00), s=(
          "{A_employer} in {town} is looking for an Executive Assistant to support its chief executive and two board "
          "directors.",
          "You will run busy diaries, coordinate board meetings and papers, manage confidential correspondence and "
          "organise company events.",
          "You will have worked at board level before and be confident using the full Microsoft 365 suite.")),
    job("Medical Secretary", "Administration & Office Support", {"health"},
      perm=(24, 26.5), temp=(13.50, 14.75), w=2, s=(
          "{A_employer} in {town} needs a Medical Secretary to support a busy consultant-led outpatient service.",
          "You will type clinic letters from digital dictation, manage waiting lists, book appointments and deal with "
          "patient and GP queries.",
          "Audio typing experience is essential and knowledge of medical terminology would be a real advantage.")),
    job("Business Support Officer", "Administration & Office Support", {"public"},
      perm=(23, 26), temp=(13.25, 14.25), w=3, s=(
          "{A_employer} in {town} is recruiting a Business Support Officer for one of its front-line services.",
          "You will take minutes at meetings, process requests on the case management system, raise purchase orders "
          "and respond to enquiries from the public.",
          "Strong IT skills and experience in a public sector office are desirable.")),
    job("Facilities Coordinator", "Administration & Office Support", COMMERCIAL | {"public", "fm"},
      perm=(25, 29), temp=(14.00, 15.50), s=(
          "{A_employer} in {town} is looking for a Facilities Coordinator to keep its offices running smoothly.",
          "You will log and follow up maintenance jobs, book contractors, manage access cards and health and safety "
          "paperwork, and coordinate office moves.",
          "Previous facilities or office support experience and a full UK driving licence are preferred.")),
    # ---- Customer Service
    job("Customer Service Advisor", "Customer Service", SERVICE,
      perm=(22.5, 24.5), temp=(12.75, 13.50), w=5, s=(
          "{A_employer} in {town} is looking for Customer Service Advisors to join its friendly customer service team.",
          "You will handle inbound calls, emails and live chats, resolve queries first time wherever possible and "
          "keep accurate notes on the CRM system.",
          "Full training is provided; what matters most is a positive attitude and clear communication.")),
    job("Customer Service Team Leader", "Customer Service", SERVICE,
      perm=(27, 30), temp=(15.00, 16.50), w=2, s=(
          "{A_employer} in {town} needs a Customer Service Team Leader to lead a team of twelve advisors.",
          "You will coach and motivate the team, monitor call quality and service levels, handle escalated complaints "
          "and run daily huddles.",
          "Previous team leading experience in a contact centre is essential.")),
    job("Complaints Handler", "Customer Service", {"finserv", "contact", "housing", "health"},
      perm=(24, 27.5), temp=(13.75, 15.00), w=2, s=(
          "{A_employer} in {town} is looking for a Complaints Handler to investigate and resolve customer complaints "
          "fairly.",
          "You will review each case, gather evidence from other departments, speak to customers and write clear "
          "final response letters within regulatory timescales.",
          "Experience in complaint handling, ideally in a regulated environment, is an advantage.")),
    job("Customer Service Manager", "Customer Service", SERVICE - {"public"}, perm=(36, 44), s=(
        "{A_employer} in {town} is recruiting a Customer Service Manager to lead its customer operations.",
        "You will manage three team leaders and around 35 advisors, set service targets, improve processes and report "
        "on customer satisfaction to the leadership team.",
        "Strong people management experience and a track record of improving customer satisfaction scores are "
        "required.")),
    job("Sales Order Processor", "Customer Service", {"manufacturer", "logistics", "trade", "fmcg"},
      perm=(23, 25.5), temp=(13.00, 13.75), w=3, s=(
          "{A_employer} in {town} needs a Sales Order Processor to keep customer orders moving.",
          "You will enter orders received by phone, email and EDI, check stock and pricing, liaise with the warehouse "
          "on dispatch dates and resolve delivery queries.",
          "Experience of an ERP system such as SAP or Sage is useful but not essential.")),
    job("Customer Experience Executive", "Customer Service", {"retail"},
      perm=(24, 27), temp=(13.50, 14.50), s=(
          "{A_employer} in {town} is looking for a Customer Experience Executive to look after its customers across "
          "phone, email and social media.",
          "You will resolve order, returns and account queries, spot recurring issues and feed ideas back to improve "
          "the customer journey.",
          "Great written communication and a genuinely helpful attitude are essential.")),
    job("Helpdesk Coordinator", "Customer Service", {"fm", "construction"},
      perm=(23.5, 26), temp=(13.25, 14.25), s=(
          "{A_employer} in {town} is recruiting a Helpdesk Coordinator for its busy service desk.",
          "You will log reactive maintenance and service requests from clients, dispatch engineers, track jobs to "
          "completion and keep customers updated.",
          "Experience in a helpdesk or scheduling role and confidence on the phone are needed.")),
    # ---- HR
    job("HR Administrator", "HR", OFFICE, perm=(23.5, 26.5), temp=(13.50, 14.75), w=3, s=(
        "{A_employer} in {town} is looking for an HR Administrator to support its people team.",
        "You will prepare contracts and offer letters, process starters and leavers, keep the HR system up to date "
        "and handle right-to-work checks.",
        "CIPD Level 3 is desirable and previous HR administration experience is essential.")),
    job("HR Advisor", "HR", OFFICE, perm=(31, 36), temp=(17.00, 19.50), contract=(200, 250), w=2, s=(
        "{A_employer} in {town} needs an HR Advisor to give practical, pragmatic advice to line managers.",
        "You will support disciplinary, grievance and absence cases, advise on policy and employment law, and help "
        "deliver HR projects such as engagement surveys.",
        "CIPD Level 5 qualified, with generalist HR advisory experience.")),
    job("HR Business Partner", "HR", COMMERCIAL | {"public"}, perm=(46, 55), contract=(300, 380), s=(
        "{A_employer} in {town} is recruiting an HR Business Partner to support its operations and commercial teams.",
        "You will coach senior managers, lead organisational change and TUPE projects, and use people data to shape "
        "workforce planning.",
        "CIPD Level 7 and experience in a business partnering role are required.")),
    job("HR Manager", "HR", COMMERCIAL | {"public"}, perm=(45, 55), contract=(300, 400), interim=True, s=(
        "{A_employer} in {town} is looking for an HR Manager to lead its HR function across two sites.",
        "You will manage employee relations, recruitment, pay reviews and policies, and support the leadership team "
        "on culture and engagement.",
        "You will be CIPD qualified with solid employment law knowledge and a hands-on approach.")),
    job("Recruitment Coordinator", "HR", OFFICE, perm=(24, 27), temp=(14.00, 15.00), w=2, s=(
        "{A_employer} in {town} needs a Recruitment Coordinator to help it hire around 200 people this year.",
        "You will post adverts, screen CVs, arrange interviews, issue offers and manage pre-employment checks on the "
        "applicant tracking system.",
        "High-volume recruitment administration experience would be a real advantage.")),
    job("Learning and Development Coordinator", "HR", COMMERCIAL | {"public"}, perm=(26, 30), temp=(14.50, 16.00), s=(
        "{A_employer} in {town} is looking for a Learning and Development Coordinator.",
        "You will schedule training courses, book trainers and venues, track mandatory training on the learning "
        "system and evaluate course feedback.",
        "Strong organisational skills and experience coordinating training or events are needed.")),
    job("Head of People", "HR", {"corporate", "tech", "agency", "retail"},
      perm=(65, 80), contract=(450, 600), interim=True, s=(
        "{A_employer} in {town} is hiring a Head of People to shape its people strategy.",
        "Sitting on the senior leadership team, you will lead talent, reward, wellbeing and employee relations, and "
        "build a small HR team.",
        "Senior generalist HR leadership experience in a growing business is essential.")),
    job("HR Officer", "HR", {"public"}, perm=(27, 31), temp=(15.50, 17.00), s=(
        "{A_employer} in {town} is recruiting an HR Officer to support managers across a range of services.",
        "You will advise on absence management, recruitment and terms and conditions, take notes at formal hearings "
        "and maintain accurate HR records.",
        "Working towards CIPD Level 5 and experience in a public sector HR team are desirable.")),
    # ---- Marketing
    job("Marketing Assistant", "Marketing", MARKETING | {"public"}, perm=(23, 26), temp=(13.50, 14.50), w=2, s=(
        "{A_employer} in {town} is looking for a Marketing Assistant to support its small marketing team.",
        "You will schedule social media posts, update the website, help organise events and produce reports on "
        "campaign performance.",
        "This is a great first step into marketing for a graduate with good writing skills.")),
    job("Marketing Executive", "Marketing", MARKETING | {"engineering", "practice", "legal"},
      perm=(27, 31.5), temp=(15.00, 17.00), w=3, s=(
          "{A_employer} in {town} needs a Marketing Executive to plan and deliver multi-channel campaigns.",
          "You will write email, web and social content, manage the marketing calendar, work with designers and "
          "agencies, and track results in Google Analytics.",
          "At least two years' marketing experience and excellent copywriting are required.")),
    job("Senior Marketing Executive", "Marketing", MARKETING | {"engineering", "practice"}, perm=(32, 37), s=(
        "{A_employer} in {town} is looking for a Senior Marketing Executive to take ownership of its lead-generation "
        "campaigns.",
        "You will run campaigns across email, paid social and events, manage the CRM, mentor a junior executive and "
        "report on the pipeline generated.",
        "Experience with HubSpot or Salesforce Marketing Cloud would be a strong advantage.")),
    job("Digital Marketing Executive", "Marketing", MARKETING, perm=(28, 33), temp=(16.00, 18.00), w=2, s=(
        "{A_employer} in {town} needs a Digital Marketing Executive to grow its online presence.",
        "You will manage paid search and paid social budgets, optimise landing pages, run A/B tests and report on "
        "traffic and conversions.",
        "Hands-on experience with Google Ads, Meta Ads Manager and GA4 is essential.")),
    job("Marketing Manager", "Marketing", MARKETING | {"engineering", "fmcg"},
      perm=(40, 50), contract=(300, 400), w=2, s=(
        "{A_employer} in {town} is looking for a Marketing Manager to lead its marketing strategy and a team of three.",
        "You will own the marketing plan and budget, launch new products and campaigns, manage agencies and report on "
        "return on investment to the board.",
        "A strategic marketer with strong leadership skills and a CIM qualification or equivalent experience.")),
    job("Social Media Executive", "Marketing", {"agency", "retail", "corporate", "public"},
      perm=(25, 29), temp=(14.00, 15.50), s=(
        "{A_employer} in {town} is hiring a Social Media Executive to bring its channels to life.",
        "You will plan and create content for Instagram, TikTok and LinkedIn, manage the community, work with "
        "creators and report on engagement.",
        "A creative eye and experience with Canva or Adobe tools are essential.")),
    job("Content Marketing Executive", "Marketing", MARKETING, perm=(27, 31), s=(
        "{A_employer} in {town} is looking for a Content Marketing Executive who can write clearly and persuasively.",
        "You will write blogs, case studies, email newsletters and web copy, optimise content for search and manage "
        "the content calendar.",
        "A strong portfolio of published writing is essential.")),
    job("SEO and PPC Specialist", "Marketing", {"agency", "retail", "tech"}, perm=(33, 40), contract=(300, 375), s=(
        "{A_employer} in {town} needs an SEO and PPC Specialist to drive qualified traffic and leads.",
        "You will carry out keyword research and technical audits, manage Google Ads accounts, build reporting "
        "dashboards and advise on content.",
        "At least three years' hands-on search experience is required.")),
    job("Brand Manager", "Marketing", {"fmcg"}, perm=(42, 52), s=(
        "{A_employer} in {town} is recruiting a Brand Manager to look after a portfolio of well-known products.",
        "You will develop brand plans, manage packaging and product launches, work with retail customers and "
        "agencies, and track market share.",
        "FMCG brand experience and strong commercial awareness are essential.")),
    job("CRM and Email Marketing Manager", "Marketing", {"retail", "finserv", "tech", "agency"},
      perm=(38, 45), contract=(325, 400), s=(
          "{A_employer} in {town} is looking for a CRM and Email Marketing Manager to get more from its customer data.",
          "You will plan automated customer journeys, segment the database, run email and SMS campaigns and measure "
          "their impact on retention.",
          "Experience with platforms such as Klaviyo, Dotdigital or Braze is essential.")),
    job("Marketing Coordinator", "Marketing", {"engineering", "practice", "legal", "construction"},
      perm=(26, 29), temp=(14.50, 16.00), s=(
          "{A_employer} in {town} needs a Marketing Coordinator to keep its marketing activity organised and on time.",
          "You will coordinate trade shows and client events, manage the website and brochures, produce newsletters "
          "and keep the CRM tidy.",
          "Excellent organisational skills and some marketing experience are needed.")),
    # ---- Legal
    job("Legal Secretary", "Legal", {"lawfirm"}, perm=(25, 29), temp=(14.50, 16.50), w=3, s=(
        "{A_employer} in {town} is looking for a Legal Secretary to support two partners in its private client team.",
        "You will audio type correspondence and documents, manage diaries, open and close files, and deal with client "
        "calls.",
        "Previous legal secretarial experience and fast, accurate typing are essential.")),
    job("Legal Cashier", "Legal", {"lawfirm"}, perm=(26, 30), temp=(15.00, 17.00), s=(
        "{A_employer} in {town} needs a Legal Cashier to join its accounts team.",
        "You will post client and office account transactions, make completion-day payments, carry out bank "
        "reconciliations and ensure compliance with the SRA Accounts Rules.",
        "Legal cashiering experience, ideally with a case management system such as Proclaim or LEAP, is required.")),
    job("Paralegal", "Legal", {"legal"}, perm=(24, 28), temp=(14.50, 16.00), w=2, s=(
        "{A_employer} in {town} is recruiting a Paralegal to support its litigation team.",
        "You will prepare court bundles, draft standard documents, carry out legal research and liaise with clients, "
        "counsel and the courts.",
        "A law degree or CILEx qualification is preferred.")),
    job("Conveyancing Assistant", "Legal", {"conveyancing"}, perm=(23, 27), temp=(14.00, 15.50), w=2, s=(
        "{A_employer} in {town} is looking for a Conveyancing Assistant to support a busy residential property team.",
        "You will prepare contract packs, order searches, raise enquiries, handle post-completion work and keep "
        "clients updated on progress.",
        "Previous residential conveyancing experience is essential.")),
    job("Conveyancing Solicitor", "Legal", {"conveyancing"}, perm=(42, 55), contract=(300, 380), s=(
        "{A_employer} in {town} is looking for a Conveyancing Solicitor to run a caseload of residential sales, "
        "purchases and remortgages.",
        "You will manage files from instruction to completion, supervise an assistant, and build relationships with "
        "estate agents and introducers.",
        "At least three years' PQE or equivalent experience as a licensed conveyancer is required.")),
    job("Commercial Property Solicitor", "Legal", {"commlaw"}, perm=(55, 75), s=(
        "{A_employer} in {town} is recruiting a Commercial Property Solicitor to join its growing real estate team.",
        "You will act for landlords, developers and lenders on leases, acquisitions, disposals and secured lending.",
        "Two to six years' PQE and strong drafting skills are required.")),
    job("Litigation Executive", "Legal", {"pi"}, perm=(26, 32), temp=(15.50, 17.50), s=(
        "{A_employer} in {town} is looking for a Litigation Executive to run a caseload of personal injury claims.",
        "You will manage claims from instruction through to settlement, issue proceedings, instruct medical experts "
        "and negotiate with insurers.",
        "Experience handling a fast-track caseload is essential.")),
    job("Compliance Officer", "Legal", {"finserv", "legal", "practice"}, perm=(35, 42), contract=(275, 350), s=(
        "{A_employer} in {town} needs a Compliance Officer to help it meet its regulatory obligations.",
        "You will run file reviews, maintain the compliance monitoring plan, carry out anti-money laundering checks "
        "and deliver training to colleagues.",
        "Experience in a compliance role within a regulated business is required.")),
    # ---- IT
    job("IT Support Analyst", "IT", OFFICE, perm=(25, 29), temp=(14.50, 16.50), contract=(150, 190), w=3, s=(
        "{A_employer} in {town} is looking for an IT Support Analyst to provide first-line support to around 400 "
        "users.",
        "You will resolve tickets by phone, email and in person, set up laptops and mobiles, manage user accounts in "
        "Active Directory and Microsoft 365, and escalate more complex issues.",
        "A good grounding in Windows and Microsoft 365 and a customer-focused approach are essential.")),
    job("Second Line Support Engineer", "IT", {"tech", "corporate", "public"},
      perm=(31, 37), contract=(180, 240), w=2, s=(
        "{A_employer} in {town} needs a Second Line Support Engineer to look after its servers, network and end-user "
        "estate.",
        "You will resolve escalated incidents, patch and maintain Windows servers, manage Intune and Entra ID, and "
        "support network and firewall changes.",
        "At least two years' second-line experience is needed; Microsoft or CompTIA certifications are a plus.")),
    job("Business Analyst", "IT", COMMERCIAL | {"public"}, perm=(42, 52), contract=(400, 500), s=(
        "{A_employer} in {town} is recruiting a Business Analyst to support a major systems change programme.",
        "You will run workshops with stakeholders, map current and future processes, write clear requirements and "
        "user stories, and support testing.",
        "Experience in an Agile delivery team and a BCS qualification are desirable.")),
    job("Data Analyst", "IT", COMMERCIAL | {"public"}, perm=(32, 40), contract=(300, 375), w=2, s=(
        "{A_employer} in {town} is looking for a Data Analyst to turn its data into insight.",
        "You will build Power BI dashboards, write SQL queries, clean and join data from different systems and "
        "present findings to managers.",
        "Strong SQL and Power BI skills are essential; Python is a bonus.")),
    job(".NET Developer", "IT", {"tech", "finserv", "retail"}, perm=(45, 60), contract=(425, 525), s=(
        "{A_employer} in {town} is hiring a .NET Developer to build and maintain its customer-facing web applications.",
        "You will work in a small Agile team using C#, ASP.NET Core, SQL Server and Azure, and take part in code "
        "reviews and release planning.",
        "Commercial experience with C# and modern .NET is essential.")),
    job("Infrastructure Engineer", "IT", {"tech", "corporate", "public"}, perm=(42, 52), contract=(350, 450), s=(
        "{A_employer} in {town} needs an Infrastructure Engineer to look after its hybrid cloud estate.",
        "You will manage VMware and Azure environments, backups and disaster recovery, networking and security "
        "patching, and lead infrastructure projects.",
        "Solid experience with Windows Server, Azure and networking is required.")),
    job("IT Project Manager", "IT", COMMERCIAL | {"public"}, perm=(50, 65), contract=(450, 575), s=(
        "{A_employer} in {town} is looking for an IT Project Manager to deliver a portfolio of technology projects.",
        "You will plan and run projects such as system upgrades and office moves, manage budgets, suppliers and "
        "risks, and report progress to the steering group.",
        "PRINCE2 or APM qualified, with a track record of delivering IT projects on time and on budget.")),
    job("Project Coordinator", "IT", {"tech", "corporate", "public"}, perm=(27, 32), temp=(15.00, 17.00), w=2, s=(
        "{A_employer} in {town} is recruiting a Project Coordinator to support its IT change team.",
        "You will maintain project plans and RAID logs, organise meetings and follow up actions, track budgets and "
        "produce weekly status reports.",
        "Strong organisational skills and experience in a project support role are essential.")),
    job("Salesforce Administrator", "IT", {"tech", "finserv", "corporate"}, perm=(35, 42), contract=(275, 350), s=(
        "{A_employer} in {town} is looking for a Salesforce Administrator to own and improve its CRM.",
        "You will manage users and permissions, build flows, reports and dashboards, keep data clean and work with "
        "teams to gather new requirements.",
        "Salesforce Administrator certification and hands-on configuration experience are essential.")),
    # ---- Sales
    job("Business Development Manager", "Sales", COMMERCIAL | {"practice", "fm", "trade"}, perm=(35, 45), w=3,
      extras=("+ commission", "+ car allowance + bonus", "+ uncapped commission"), s=(
          "{A_employer} in {town} is looking for a Business Development Manager to win new business across the region.",
          "You will generate and qualify leads, meet prospective clients, prepare proposals and manage the full sales "
          "cycle through to contract.",
          "A proven record of B2B new business sales and a full UK driving licence are essential.")),
    job("Account Manager", "Sales", COMMERCIAL | {"agency", "trade"},
      perm=(28, 34), w=2, extras=("+ bonus", "+ commission"), s=(
        "{A_employer} in {town} needs an Account Manager to look after and grow a portfolio of existing clients.",
        "You will hold regular account reviews, identify opportunities to upsell, resolve issues quickly and forecast "
        "revenue for your accounts.",
        "Previous account management experience and excellent relationship-building skills are required.")),
    job("Internal Sales Executive", "Sales", {"manufacturer", "logistics", "trade", "tech"},
      perm=(24, 27), temp=(13.50, 14.50), w=3,
      extras=("+ commission", "+ OTE"), s=(
          "{A_employer} in {town} is recruiting an Internal Sales Executive to build relationships with trade "
          "customers.",
          "You will handle inbound enquiries, prepare quotations, follow up leads by phone and email, and reactivate "
          "lapsed accounts.",
          "Confident phone skills and a target-driven attitude are essential; product training is provided.")),
    job("Sales Coordinator", "Sales", {"manufacturer", "logistics", "trade", "tech", "fmcg"},
      perm=(24, 27), temp=(13.50, 14.50), s=(
        "{A_employer} in {town} is looking for a Sales Coordinator to support its field sales team.",
        "You will manage the sales team's diaries, prepare quotes and contracts, process orders and produce weekly "
        "sales reports.",
        "Strong administration skills and experience in a sales support role are needed.")),
    job("Key Account Manager", "Sales", {"fmcg", "manufacturer", "trade"},
      perm=(42, 52), extras=("+ bonus + car", "+ car allowance"), s=(
        "{A_employer} in {town} is hiring a Key Account Manager to manage relationships with its largest national "
        "customers.",
        "You will negotiate annual terms, plan promotions, analyse sales data and lead joint business plans with "
        "buyers.",
        "Experience managing major accounts, ideally in the grocery or trade sector, is essential.")),
    job("Telesales Executive", "Sales", {"finserv", "tech", "contact", "trade"}, perm=(22.5, 24.5), temp=(12.75, 13.50),
      extras=("+ uncapped commission", "+ OTE"), s=(
          "{A_employer} in {town} is looking for Telesales Executives to join its friendly outbound sales team.",
          "You will call warm leads and existing customers, explain products clearly, handle objections and close "
          "sales over the phone.",
          "Full product training is given and there is a generous commission scheme on top of basic pay.")),
    job("Bid Coordinator", "Sales", {"engineering", "construction", "fm", "corporate"},
      perm=(30, 36), contract=(200, 260), s=(
        "{A_employer} in {town} is looking for a Bid Coordinator to help it win more public and private sector "
        "contracts.",
        "You will manage tender portals and deadlines, gather case studies and CVs, and produce well-written, "
        "compliant bid documents.",
        "Excellent writing skills and experience of public sector tenders are essential.")),
    # ---- Procurement & Supply Chain
    job("Purchasing Assistant", "Procurement & Supply Chain", SUPPLY | {"public", "retail"},
      perm=(23, 26), temp=(13.50, 14.50), w=2, s=(
        "{A_employer} in {town} is looking for a Purchasing Assistant to support its buying team.",
        "You will raise purchase orders, chase suppliers for delivery dates, resolve pricing and invoice queries and "
        "keep supplier records up to date.",
        "Good Excel skills and experience of an ERP system are helpful.")),
    job("Buyer", "Procurement & Supply Chain", {"manufacturer", "construction", "trade"},
      perm=(32, 38), contract=(220, 280), w=2, s=(
        "{A_employer} in {town} needs a Buyer to manage the purchase of materials, components and services.",
        "You will source and negotiate with suppliers, manage stock levels against demand, and lead cost-saving and "
        "supplier performance projects.",
        "Previous buying experience is essential and MCIPS study would be an advantage.")),
    job("Procurement Manager", "Procurement & Supply Chain", {"corporate", "engineering", "public"},
      perm=(48, 58), contract=(400, 500),
      interim=True, s=(
          "{A_employer} in {town} is recruiting a Procurement Manager to lead strategic sourcing across all "
          "categories of spend.",
          "You will run tenders, negotiate and manage contracts, build the procurement policy and deliver measurable "
          "savings.",
          "MCIPS qualified, with experience of leading procurement in a complex organisation.")),
    job("Logistics Coordinator", "Procurement & Supply Chain", {"logistics", "retail", "manufacturer"},
      perm=(25, 28), temp=(14.00, 15.00), w=2, s=(
        "{A_employer} in {town} is looking for a Logistics Coordinator to plan inbound and outbound shipments.",
        "You will book hauliers and freight forwarders, prepare shipping and customs paperwork, track deliveries and "
        "resolve issues with carriers.",
        "Experience in a logistics or freight office and knowledge of Incoterms are preferred.")),
    job("Transport Administrator", "Procurement & Supply Chain", {"logistics", "trade"},
      perm=(23, 26), temp=(13.25, 14.25), w=2, s=(
        "{A_employer} in {town} needs a Transport Administrator to support its busy planning office.",
        "You will book collections and deliveries, update the transport system, process proof-of-delivery paperwork "
        "and keep customers informed of any delays.",
        "Experience in a logistics environment is helpful and some early shifts may be required.")),
    job("Supply Chain Planner", "Procurement & Supply Chain", {"manufacturer", "fmcg"},
      perm=(32, 38), contract=(250, 320), s=(
        "{A_employer} in {town} needs a Supply Chain Planner to balance demand, stock and production capacity.",
        "You will run MRP, produce weekly production and purchasing plans, monitor stock cover and work with sales on "
        "forecasts.",
        "Strong analytical and Excel skills and experience of planning in a manufacturing environment are essential.")),
    job("Stock Controller", "Procurement & Supply Chain", {"logistics", "retail", "manufacturer", "trade"},
      perm=(24, 27), temp=(13.50, 14.50), s=(
        "{A_employer} in {town} is recruiting a Stock Controller to keep its inventory accurate.",
        "You will run cycle counts, investigate and correct variances, process goods-in and returns on the stock "
        "system and report on stock accuracy.",
        "Experience in stock control and strong attention to detail are essential.")),
    # ---- Property
    job("Lettings Negotiator", "Property", {"agent"}, perm=(22, 25), w=2, extras=("+ commission", "+ OTE"), s=(
        "{A_employer} in {town} is looking for a Lettings Negotiator to help landlords and tenants find the right "
        "match.",
        "You will conduct viewings, register applicants, negotiate offers and progress tenancies through referencing "
        "to move-in.",
        "A full UK driving licence is essential and on-target earnings are excellent.")),
    job("Sales Negotiator", "Property", {"agent"}, perm=(22, 25), extras=("+ commission", "+ OTE"), s=(
        "{A_employer} in {town} needs a Sales Negotiator to sell homes across the local area.",
        "You will handle buyer and vendor enquiries, carry out viewings, negotiate offers and progress sales through "
        "to completion.",
        "Sales or customer service experience and a full UK driving licence are required.")),
    job("Property Manager", "Property", {"agent"}, perm=(28, 34), temp=(16.00, 18.00), s=(
        "{A_employer} in {town} is looking for a Property Manager to look after a portfolio of around 150 residential "
        "properties.",
        "You will arrange repairs and compliance checks, carry out inspections, manage deposits and check-outs and be "
        "the main contact for landlords.",
        "A Propertymark qualification or solid lettings experience is preferred.")),
    job("Residential Block Manager", "Property", {"block"}, perm=(32, 38), s=(
        "{A_employer} in {town} is recruiting a Residential Block Manager to manage a portfolio of apartment "
        "developments.",
        "You will prepare service charge budgets, visit sites, manage contractors and health and safety compliance, "
        "and attend residents' meetings.",
        "Block management experience and an IRPM qualification, or willingness to work towards it, are required.")),
    job("Housing Officer", "Property", {"housing"}, perm=(29, 33), temp=(17.00, 19.50), w=2, s=(
        "{A_employer} in {town} is looking for a Housing Officer to manage a patch of around 400 homes.",
        "You will carry out tenancy sign-ups and visits, tackle rent arrears and anti-social behaviour, and work with "
        "support agencies to help tenants sustain their tenancies.",
        "Housing management experience and a full UK driving licence are essential.")),
    job("Facilities Manager", "Property", {"corporate", "public", "fm"}, perm=(40, 48), contract=(250, 325), s=(
        "{A_employer} in {town} is looking for a Facilities Manager to run its offices and sites.",
        "You will manage hard and soft services contracts, planned maintenance, health and safety compliance and the "
        "facilities budget.",
        "IWFM qualified or working towards it, with multi-site facilities experience.")),
    job("Service Charge Accountant", "Property", {"block", "landlord"}, perm=(38, 45), contract=(250, 320), s=(
        "{A_employer} in {town} needs a Service Charge Accountant to manage service charge budgets and year-end "
        "accounts.",
        "You will prepare budgets and reconciliations for a portfolio of properties, process accruals and prepayments "
        "and answer queries from property managers.",
        "Service charge experience and a good understanding of the RICS code are essential.")),
    job("Property Administrator", "Property", {"agent", "block", "landlord"},
      perm=(23, 26), temp=(13.50, 14.50), w=2, s=(
        "{A_employer} in {town} is looking for a Property Administrator to support its property management team.",
        "You will set up tenancies and leases on the property system, arrange safety certificates, process contractor "
        "invoices and deal with tenant queries.",
        "Previous property or lettings administration experience is an advantage.")),
    # ---- Engineering Office
    job("Document Controller", "Engineering Office", {"engineering", "construction"},
      perm=(28, 34), temp=(16.00, 18.50), contract=(200, 260), w=2, s=(
          "{A_employer} in {town} is looking for a Document Controller to manage project documentation.",
          "You will register, issue and track drawings and documents on the document management system, control "
          "revisions and transmittals and support audits.",
          "Experience with systems such as Aconex, Viewpoint or SharePoint is desirable.")),
    job("Estimator", "Engineering Office", {"manufacturer", "construction"}, perm=(38, 48), contract=(300, 375), s=(
        "{A_employer} in {town} needs an Estimator to price new projects accurately and competitively.",
        "You will read drawings and specifications, take off quantities, obtain supplier and subcontractor quotes and "
        "build up detailed tender prices.",
        "Previous estimating experience in construction or manufacturing is essential.")),
    job("CAD Technician", "Engineering Office", {"engineering", "construction"}, perm=(30, 36), contract=(250, 320), s=(
        "{A_employer} in {town} is recruiting a CAD Technician to produce high-quality technical drawings.",
        "You will create 2D and 3D models, general arrangement and detail drawings, update revisions and work closely "
        "with the engineering team.",
        "Strong AutoCAD skills are essential; Revit or SolidWorks experience is a plus.")),
    job("Quantity Surveyor", "Engineering Office", {"construction"}, perm=(45, 58), contract=(350, 450), s=(
        "{A_employer} in {town} is looking for a Quantity Surveyor to manage the commercial side of several projects.",
        "You will prepare valuations and cost reports, manage subcontractor accounts and variations, and agree final "
        "accounts with clients.",
        "A degree in quantity surveying and MRICS status, or progress towards it, are preferred.")),
    job("Production Planner", "Engineering Office", {"manufacturer", "fmcg"}, perm=(30, 36), temp=(16.00, 18.00), s=(
        "{A_employer} in {town} needs a Production Planner to schedule work across the shop floor.",
        "You will turn customer orders into achievable production plans, balance machine and labour capacity, and "
        "keep sales informed of delivery dates.",
        "Planning experience in a manufacturing environment and strong Excel skills are essential.")),
    job("Quality Administrator", "Engineering Office", {"manufacturer", "fmcg"}, perm=(24, 27), temp=(13.50, 14.75), s=(
        "{A_employer} in {town} is looking for a Quality Administrator to support its quality team.",
        "You will maintain quality records and procedures, log non-conformances and customer complaints, prepare "
        "audit paperwork and track corrective actions.",
        "Experience of working within an ISO 9001 system is an advantage.")),
    job("Contracts Administrator", "Engineering Office", {"construction", "fm"}, perm=(26, 30), temp=(14.50, 16.00), s=(
        "{A_employer} in {town} is recruiting a Contracts Administrator to support its project and commercial teams.",
        "You will set up new contracts on the system, issue subcontract orders, track insurances and certificates and "
        "help prepare monthly valuations.",
        "Experience in construction or engineering administration is preferred.")),
    job("Health and Safety Advisor", "Engineering Office", {"engineering", "construction"},
      perm=(36, 43), contract=(250, 300), s=(
        "{A_employer} in {town} needs a Health and Safety Advisor to support its sites and offices.",
        "You will carry out inspections and audits, review risk assessments and method statements, investigate "
        "incidents and deliver toolbox talks.",
        "The NEBOSH General Certificate and a full UK driving licence are required.")),
]

# Closing sentences for temp and contract adverts (no placeholders).
TEMP_LINES = (
    "This is a temporary assignment starting immediately, paid weekly.",
    "Initial three-month temporary assignment with weekly pay and holiday accrued from day one.",
    "Ongoing temporary booking, Monday to Friday, with a view to a permanent role for the right person.",
    "Immediate start for candidates who can commit to at least eight weeks.",
    "Temp-to-perm opportunity, with full training from your first day.",
    "Temporary cover for maternity leave, expected to run for around nine months.",
    "Temporary role to cover a busy period, likely to run until the end of March.",
)
CONTRACT_LINES = (
    "Initial six-month contract with a strong chance of extension.",
    "Three-month contract with hybrid working and two days a week on site.",
    "Interim contract to cover a period of change; an immediate start is preferred.",
    "Day-rate contract paid through an umbrella company or your own limited company.",
    "Initial four-month contract, mainly remote with occasional travel to site.",
)
PERM_SUFFIXES = ("+ benefits", "+ hybrid working", "+ bonus", "+ pension", "+ benefits + hybrid working")

# ---------------------------------------------------------------------------
# Towns. Weighted pool for the bulk of the feed; single vacancies in quiet
# towns (nothing else is offered there, so a search nearby has to widen).
# ---------------------------------------------------------------------------
TOWN_WEIGHTS = {
    # Yorkshire heartland
    "Leeds": 40, "Sheffield": 15, "Bradford": 14, "Wakefield": 12, "Huddersfield": 11, "York": 11,
    "Halifax": 9, "Harrogate": 8,
    # Big cities
    "Manchester": 22, "Birmingham": 14, "London": 12, "Liverpool": 10, "Bristol": 9, "Newcastle": 9,
    "Nottingham": 8, "Glasgow": 7, "Edinburgh": 7, "Cardiff": 6, "City of London": 5, "Canary Wharf": 4,
    "Westminster": 3, "Croydon": 3, "Stratford": 2, "Camden": 2,
    # Long tail
    "Doncaster": 3, "Hull": 3, "Leicester": 3, "Milton Keynes": 3, "Reading": 3, "Belfast": 3,
    "Barnsley": 2, "Rotherham": 2, "Dewsbury": 2, "Keighley": 2, "Wetherby": 2, "Middlesbrough": 2,
    "Sunderland": 2, "Preston": 2, "Bolton": 2, "Stockport": 2, "Salford Quays": 2, "Warrington": 2,
    "Chester": 2, "Derby": 2, "Coventry": 2, "Wolverhampton": 2, "Southampton": 2, "Brighton": 2,
    "Cambridge": 2, "Norwich": 2, "Exeter": 2, "Aberdeen": 2, "Northampton": 2, "Peterborough": 2,
    "Oxford": 2, "Guildford": 2, "Stoke-on-Trent": 2,
    "Castleford": 1, "Pontefract": 1, "Brighouse": 1, "Skipton": 1, "Selby": 1, "Otley": 1,
    "Pudsey": 1, "Morley": 1, "Ilkley": 1, "Durham": 1, "Darlington": 1, "Plymouth": 1,
    "Swansea": 1, "Dundee": 1, "Ipswich": 1, "Chelmsford": 1, "Watford": 1, "Crawley": 1,
    "Luton": 1, "Gloucester": 1, "Cheltenham": 1, "Swindon": 1, "Bournemouth": 1,
}
QUIET_TOWNS = (
    "Kendal", "Hexham", "Truro", "Shrewsbury", "Hereford", "Lincoln", "Scarborough", "Whitby",
    "Bridlington", "Grimsby", "Inverness", "Dumfries", "Aberystwyth", "Haverfordwest", "Llandudno",
    "Wrexham", "Enniskillen", "Derry", "King's Lynn", "Bury St Edmunds", "Taunton", "Salisbury",
    "Dorchester", "Barnstaple", "Canterbury", "Kettering", "Worcester", "Ripon",
)
LEEDS_TEMP_ADMIN = (
    "Administrator", "Admin Assistant", "Data Entry Clerk", "Receptionist",
    "Scanning and Data Administrator", "Office Administrator", "Business Support Officer",
)
MANCHESTER_MARKETING = (
    "Marketing Manager", "Senior Marketing Executive", "SEO and PPC Specialist", "Brand Manager",
    "CRM and Email Marketing Manager",
)

PAY_FACTOR = {
    "London": 1.18, "South East": 1.07, "East of England": 1.04, "Wales": 0.97,
    "Northern Ireland": 0.95,
}
MIN_HOURLY = 12.75  # at or above the National Living Wage from April 2026 (£12.71)


# ---------------------------------------------------------------------------


def load_places(path: Path) -> dict[str, dict[str, str]]:
    """Town and city rows of the gazetteer, by name."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["name"]: r for r in csv.DictReader(fh) if r["kind"] in ("town", "city")}


def with_article(article: str, employer: str) -> str:
    """The employer type with its indefinite article."""
    return f"{article} {employer}"


def fill(sentence: str, employer: tuple, town: str) -> str:
    """Put the employer type and town into one advert sentence."""
    article, name = employer[0], employer[1]
    allowed = {"a_employer", "A_employer", "town"}
    used = {f for _, f, _, _ in string.Formatter().parse(sentence) if f}
    assert used <= allowed, (sentence, used)
    phrase = with_article(article, name)
    return sentence.format(a_employer=phrase, A_employer=phrase[0].upper() + phrase[1:], town=town)


def money(value: float) -> str:
    """Whole pounds with thousands separators."""
    return f"£{value:,.0f}"


def round_to(value: float, step: float) -> float:
    """Round to the nearest multiple of step."""
    return round(value / step) * step


def perm_salary(rng: Random, band: tuple, factor: float, extras: tuple, floor_k: float = 0) -> str:
    """Annual salary text as UK agencies write it."""
    lo_k, hi_k = band
    lo = round_to(lo_k * 1000 * factor * rng.uniform(0.96, 1.04), 500)
    hi = round_to(hi_k * 1000 * factor * rng.uniform(0.96, 1.04), 500)
    lo = max(lo, floor_k * 1000)
    if hi - lo < 1500:
        hi = lo + 2000
    if extras and rng.random() < 0.6:
        extra = rng.choice(extras)
        if extra == "+ OTE":
            extra = f"+ commission (OTE £{round(hi * 1.35 / 1000):d}k)"
        return f"{money(lo)} - {money(hi)} per annum {extra}"
    style = rng.random()
    if style < 0.58:
        return f"{money(lo)} - {money(hi)} per annum"
    if style < 0.70:
        return f"{money(lo)} - {money(hi)} per annum {rng.choice(PERM_SUFFIXES)}"
    if style < 0.80:
        return f"£{round(lo / 1000):d}k - £{round(hi / 1000):d}k {rng.choice(PERM_SUFFIXES)}"
    if style < 0.88:
        return f"£{round((lo + hi) / 2000):d}k + benefits"
    if style < 0.95:
        return f"Up to {money(hi)} per annum"
    return f"{money(round_to((lo + hi) / 2, 1000))} per annum"


def temp_salary(rng: Random, band: tuple, factor: float) -> str:
    """Hourly rate text for a temp assignment."""
    lo = max(MIN_HOURLY, round_to(band[0] * factor * rng.uniform(0.97, 1.03), 0.05))
    hi = max(lo + 0.25, round_to(band[1] * factor * rng.uniform(0.97, 1.03), 0.05))
    rate = round_to(rng.uniform(lo, hi), 0.05)
    style = rng.random()
    if style < 0.62:
        return f"£{rate:.2f} per hour"
    if style < 0.80:
        return f"£{lo:.2f} - £{hi:.2f} per hour"
    if style < 0.90:
        return f"£{rate:.2f} per hour + holiday pay"
    return f"£{rate:.2f} per hour (PAYE)"


def contract_salary(rng: Random, band: tuple, factor: float) -> str:
    """Day rate text for a contract."""
    lo = round_to(band[0] * factor * rng.uniform(0.96, 1.04), 25)
    hi = max(lo + 25, round_to(band[1] * factor * rng.uniform(0.96, 1.04), 25))
    rate = round_to(rng.uniform(lo, hi), 25)
    style = rng.random()
    if style < 0.50:
        return f"£{rate:,.0f} per day"
    if style < 0.70:
        return f"£{lo:,.0f} - £{hi:,.0f} per day"
    if style < 0.85:
        return f"£{rate:,.0f} per day (outside IR35)"
    return f"£{rate:,.0f} per day (inside IR35)"


def slugify(text: str) -> str:
    """Lower-case URL slug."""
    text = text.lower().replace("'", "").replace("&", "and")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def pick_weighted(rng: Random, items: list, weights: list):
    """One item, drawn by weight."""
    return rng.choices(items, weights=weights, k=1)[0]


def employers_for(title: dict, town: str) -> list[tuple]:
    """Employer types that fit the title and are realistic in the town."""
    fits = [e for e in EMPLOYERS if e[2] & title["groups"] and (e[3] is None or town in e[3])]
    assert fits, (title["title"], town)
    return fits


def display_title(rng: Random, title: dict, job_type: str) -> str:
    """The advert title, marked Interim, Contract or Temporary now and then."""
    name = title["title"]
    if job_type == "contract":
        if title["interim"]:
            return f"Interim {name}"
        if rng.random() < 0.3:
            return f"{name} (Contract)"
    if job_type == "temp" and rng.random() < 0.2:
        return f"Temporary {name}"
    return name


def posted_date(rng: Random) -> dt.date:
    """A posting date in the six weeks before the feed date, mostly on weekdays."""
    span = (FEED_DATE - POSTED_FROM).days - 1  # up to the day before FEED_DATE
    while True:
        day = POSTED_FROM + dt.timedelta(days=rng.randint(0, span))
        if day.weekday() < 5 or rng.random() < 0.1:  # mostly weekdays
            return day


def closing_date(rng: Random, posted: dt.date, job_type: str) -> dt.date:
    """A closing date in the feed's closing window, later than the posting date."""
    low, high = {"temp": (10, 28), "perm": (21, 60), "contract": (14, 35)}[job_type]
    closes = posted + dt.timedelta(days=rng.randint(low, high))
    if closes < CLOSES_FROM:
        closes = CLOSES_FROM + dt.timedelta(days=rng.randint(0, 24))
    if closes > CLOSES_TO:
        closes = CLOSES_TO - dt.timedelta(days=rng.randint(0, 10))
    if (closes.month, closes.day) in {(12, 25), (12, 26), (1, 1)}:
        closes += dt.timedelta(days=2)
    return closes


def make_vacancy(rng: Random, places: dict, town: str, job_type: str, title: dict,
                 perm_floor_k: float = 0, keep_salary: bool = False) -> dict:
    """One vacancy (dates still as date objects, no id yet)."""
    region = places[town]["region"]
    factor = PAY_FACTOR.get(region, 1.0)
    employer = rng.choice(employers_for(title, town))
    s1, s2, *rest = [fill(s, employer, town) for s in title["s"]]
    if job_type == "temp":
        summary = [s1, s2, rng.choice(TEMP_LINES)]
    elif job_type == "contract":
        summary = [s1, s2, rng.choice(CONTRACT_LINES)]
    else:
        summary = [s1, s2] + (rest if rng.random() < 0.7 else [])
    if job_type == "perm":
        salary = perm_salary(rng, title["perm"], factor, title["extras"], perm_floor_k)
        omit = 0.05
    elif job_type == "temp":
        salary = temp_salary(rng, title["temp"], factor)
        omit = 0.01
    else:
        salary = contract_salary(rng, title["contract"], factor)
        omit = 0.04
    posted = posted_date(rng)
    vacancy = {
        "title": display_title(rng, title, job_type),
        "location": town,
        "job_type": job_type,
        "salary": salary,
        "summary": " ".join(summary),
        "posted": posted,
        "closes": closing_date(rng, posted, job_type),
        "sector": title["sector"],
    }
    if not keep_salary and rng.random() < omit:
        del vacancy["salary"]
    if rng.random() < 0.05:
        del vacancy["closes"]
    return vacancy


def build(places: dict) -> list[dict]:
    """The whole feed, newest first."""
    rng = Random(SEED)
    by_title = {t["title"]: t for t in TITLES}
    assert len(by_title) == len(TITLES), "duplicate title"
    for town in list(TOWN_WEIGHTS) + list(QUIET_TOWNS):
        if town not in places:
            raise SystemExit(f"{town!r} is not a town or city in {PLACES_CSV.name}")
    assert not set(TOWN_WEIGHTS) & set(QUIET_TOWNS)

    # Job types for the vacancies not fixed below, dealt from a shuffled deck so that
    # the whole feed matches JOB_TYPE_SHARE.
    fixed = {"temp": len(LEEDS_TEMP_ADMIN), "perm": len(MANCHESTER_MARKETING), "contract": 0}
    deck = []
    for job_type, share in JOB_TYPE_SHARE.items():
        deck += [job_type] * (round(TOTAL * share) - fixed[job_type])
    assert len(deck) == TOTAL - sum(fixed.values())
    rng.shuffle(deck)

    def random_type() -> str:
        return deck.pop()

    def random_title(job_type: str) -> dict:
        fits = [t for t in TITLES if t[job_type]]
        return pick_weighted(rng, fits, [t["w"] for t in fits])

    vacancies = []
    summaries = set()

    def add(town: str, job_type: str, title: dict, **kwargs) -> None:
        # Draw again (a different employer or closing line) rather than repeat an advert word for word.
        for _ in range(50):
            vacancy = make_vacancy(rng, places, town, job_type, title, **kwargs)
            if vacancy["summary"] not in summaries:
                break
        summaries.add(vacancy["summary"])
        vacancies.append(vacancy)

    # Several temp admin roles in Leeds.
    for name in LEEDS_TEMP_ADMIN:
        add("Leeds", "temp", by_title[name], keep_salary=True)
    # Perm marketing roles in Manchester paying over £30k.
    for name in MANCHESTER_MARKETING:
        add("Manchester", "perm", by_title[name], perm_floor_k=31, keep_salary=True)
    # One vacancy in each quiet town.
    for town in QUIET_TOWNS:
        job_type = random_type()
        add(town, job_type, random_title(job_type))
    # The rest, weighted towards the heartland and the big cities.
    towns, weights = list(TOWN_WEIGHTS), list(TOWN_WEIGHTS.values())
    while len(vacancies) < TOTAL:
        job_type = random_type()
        add(pick_weighted(rng, towns, weights), job_type, random_title(job_type))

    # Number in posting order, newest first in the file.
    vacancies.sort(key=lambda v: (v["posted"], v["title"], v["location"]))
    number = FIRST_ID
    out = []
    for v in vacancies:
        number += rng.randint(1, 3)
        vid = f"11R-2026-{number:05d}"
        item = {"id": vid, "title": v["title"], "location": v["location"], "job_type": v["job_type"]}
        if "salary" in v:
            item["salary"] = v["salary"]
        item["summary"] = v["summary"]
        item["url"] = URL_BASE + slugify(f"{vid} {v['title']} {v['location']}")
        item["posted"] = v["posted"].isoformat()
        if "closes" in v:
            item["closes"] = v["closes"].isoformat()
        item["sector"] = v["sector"]
        out.append(item)
    out.reverse()
    return out


def check(feed: list[dict], places: dict) -> None:
    """Fail loudly if the feed breaks a rule the bot relies on."""
    ids = [v["id"] for v in feed]
    assert len(ids) == len(set(ids)), "duplicate id"
    for v in feed:
        assert v["location"] in places, v
        assert v["job_type"] in JOB_TYPE_SHARE, v
        assert v["sector"] in SECTORS, v
        assert POSTED_FROM <= dt.date.fromisoformat(v["posted"]) < FEED_DATE, v
        if "closes" in v:
            assert CLOSES_FROM <= dt.date.fromisoformat(v["closes"]) <= CLOSES_TO, v
        assert "{" not in v["summary"] and "}" not in v["summary"], v
    assert len({v["summary"] for v in feed}) == len(feed), "repeated summary"


def main() -> None:
    """Write the feed file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_JSON)
    parser.add_argument("--places", type=Path, default=PLACES_CSV)
    args = parser.parse_args()
    places = load_places(args.places)
    feed = build(places)
    check(feed, places)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(feed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(feed)} vacancies to {args.out}")


if __name__ == "__main__":
    main()
