"""/api/v1 surveys."""

from flask import request
from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.survey import SurveyCreate, SurveyList, SurveyOut, SurveyQuery, SurveyUpdate
from app.services import surveys

blp = Blueprint("surveys", __name__, url_prefix="/api/v1", description="Surveys per phase")
protect(blp)


@blp.route("/surveys")
class Surveys(MethodView):
    @blp.arguments(SurveyCreate)
    @blp.response(201, SurveyOut)
    @blp.alt_response(409, description="The journey is archived (code journey_archived)")
    @blp.doc(**idempotency_header("The same key again returns the same survey, no second one"))
    def post(self, data):
        """Create a survey of 1-3 questions for one phase."""
        return surveys.create_survey(
            current_brand(), data, idempotency_key=request.headers.get("Idempotency-Key")
        )

    @blp.arguments(SurveyQuery, location="query")
    @blp.response(200, SurveyList)
    def get(self, query):
        """The brand's surveys, optionally of one journey or phase."""
        return {"items": surveys.list_surveys(current_brand(), **query)}


@blp.route("/surveys/<int:survey_id>")
class SurveyById(MethodView):
    @blp.response(200, SurveyOut)
    def get(self, survey_id):
        """One survey."""
        return surveys.get_survey(current_brand(), survey_id)

    @blp.arguments(SurveyUpdate)
    @blp.response(200, SurveyOut)
    @blp.alt_response(409, description="The journey is archived (code journey_archived)")
    def patch(self, data, survey_id):
        """Change a survey. Once it has answers, new questions make a new active version."""
        return surveys.update_survey(current_brand(), survey_id, data)
