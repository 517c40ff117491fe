"""/api/v1/brand: the brand's profile, as its customers see it (name, colour, form of address)."""

from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint
from app.schemas.brand import BrandOut, BrandProfileIn, IdentitySecretOut
from app.services import brand_settings, brands

blp = Blueprint(
    "brand",
    __name__,
    url_prefix="/api/v1",
    description="The brand's profile: name, colour, form of address, contact budget, reviews",
)
protect(blp)


@blp.route("/brand")
class BrandProfile(MethodView):
    @blp.response(200, BrandOut)
    def get(self):
        """The brand this key belongs to."""
        return brand_settings.profile(current_brand())

    @blp.arguments(BrandProfileIn)
    @blp.response(200, BrandOut)
    def patch(self, data):
        """Change the name, colour, form of address, contact budget or review policy; fields
        left out keep their value."""
        return brand_settings.set_profile(current_brand(), data)


@blp.route("/brand/identity-secret", methods=["POST"])
@blp.response(200, IdentitySecretOut)
def rotate_identity_secret():
    """A new identity secret for signing customer ids; the one it replaces still verifies for
    7 days, while your servers move to the new one."""
    brand = brands.rotate_identity_secret(current_brand())
    return {
        "identity_secret": brand.identity_secret,
        "previous_valid_until": brand.previous_secret_until(),
    }
