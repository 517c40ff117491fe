"""Every model, imported here so Alembic and create_all see the whole schema."""

from app.models.alert import Alert
from app.models.analytics import ChoiceRollup, DwellRollup, MapRollup, SurveyRollup
from app.models.brand import ApiKey, Brand, User
from app.models.contact import Contact
from app.models.customer import Customer, CustomerPhase, CustomerPhaseOrder, JourneyEvent
from app.models.follow_up import FollowUpHandled
from app.models.invitation import Invitation
from app.models.journey import Journey, Persona, Phase, Touchpoint
from app.models.privacy import PrivacyRequest
from app.models.response import Response
from app.models.review import ModerationEntry, Review, ReviewFlag, ReviewTally
from app.models.rollup import ConversionRollup, Rollup
from app.models.suppression import EmailSuppression
from app.models.survey import Question, Survey
from app.models.survey_link import SurveyLink
from app.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.weekly_report import WeeklyReport
from loyalty.models import LedgerEntry, LoyaltyMember, LoyaltyPolicy, RewardCode

__all__ = [
    "Alert",
    "ApiKey",
    "Brand",
    "Contact",
    "ChoiceRollup",
    "ConversionRollup",
    "Customer",
    "CustomerPhase",
    "CustomerPhaseOrder",
    "DwellRollup",
    "EmailSuppression",
    "FollowUpHandled",
    "Invitation",
    "Journey",
    "JourneyEvent",
    "LedgerEntry",
    "LoyaltyMember",
    "LoyaltyPolicy",
    "MapRollup",
    "ModerationEntry",
    "Persona",
    "Phase",
    "PrivacyRequest",
    "Question",
    "Response",
    "Review",
    "ReviewFlag",
    "RewardCode",
    "ReviewTally",
    "Rollup",
    "Survey",
    "SurveyLink",
    "SurveyRollup",
    "Touchpoint",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WeeklyReport",
]
