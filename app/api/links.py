"""/api/v1 links: reusable survey links (and QR codes) for a counter, a van or a delivery note."""

from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint
from app.schemas.channels import LinkIn, LinkList, LinkOut
from app.services import survey_links

blp = Blueprint(
    "links", __name__, url_prefix="/api/v1", description="Reusable survey links and QR codes"
)
protect(blp)


@blp.route("/links")
class Links(MethodView):
    @blp.arguments(LinkIn)
    @blp.response(201, LinkOut)
    @blp.alt_response(409, description="The journey is archived (code journey_archived)")
    def post(self, data):
        """Create a non-personal link to a phase's active survey, with its QR code URL."""
        return survey_links.describe(survey_links.create(current_brand(), data))

    @blp.response(200, LinkList)
    def get(self):
        """The brand's survey links."""
        return {
            "items": [
                survey_links.describe(link) for link in survey_links.list_links(current_brand())
            ]
        }


@blp.route("/links/<int:link_id>")
class LinkById(MethodView):
    @blp.response(200, LinkOut)
    def get(self, link_id):
        """One survey link."""
        return survey_links.describe(survey_links.get(current_brand(), link_id))

    @blp.response(200, LinkOut)
    def delete(self, link_id):
        """Switch a link off: its page then says the survey is closed."""
        return survey_links.describe(survey_links.deactivate(current_brand(), link_id))
