"""The concept ids of the domain brief (shared/concepts.yaml), copied so the tests need nothing outside the repo."""

PRACTICES = (
    "needs-understanding",
    "personalization",
    "feedback-loops",
    "journey-mapping",
    "cross-functional-collaboration",
    "employee-empowerment",
    "training-and-hiring",
    "leadership-commitment",
    "customer-perspective",
    "culture-and-values",
    "customer-metrics-and-incentives",
    "customer-strategy",
    "expectations-and-transparency",
    "proactive-resolution",
    "long-term-relationships",
    "adaptability",
    "quality-excellence",
    "ethics-responsibility",
    "technology-and-data",
    "continuous-improvement",
    "customer-driven-change",
    "co-creation-innovation",
    "acquisition-insight",
    "employee-voice",
    "integrated-communication",
    "strategic-partnerships",
)

OUTCOMES = (
    "nps",
    "csat",
    "ces",
    "clv",
    "retention",
    "referrals",
    "employee-engagement",
)

BENEFITS = (
    "satisfaction-loyalty",
    "differentiation",
    "lifetime-value",
    "word-of-mouth",
    "market-adaptation",
    "innovation",
    "operational-efficiency",
    "financial-performance",
    "resilience",
    "employee-satisfaction",
)
