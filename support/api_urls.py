from django.urls import path

from support import api

app_name = "support-api"

urlpatterns = [
    path("referrals/", api.ReferralListCreate.as_view(), name="referrals"),
    path("referrals/upload/", api.ReferralUpload.as_view(), name="upload"),
    path("referrals/<int:referral_id>/", api.ReferralDetail.as_view(), name="referral"),
    path("referrals/<int:referral_id>/eligibility/", api.ReferralEligibility.as_view(), name="eligibility"),
    path("referrals/<int:referral_id>/decision/", api.ReferralDecision.as_view(), name="decision"),
    path("referrals/<int:referral_id>/sessions/", api.ReferralSessions.as_view(), name="sessions"),
    path("my-referrals/", api.MyReferrals.as_view(), name="my-referrals"),
    path("caseload/", api.Caseload.as_view(), name="caseload"),
    path("self-referrals/", api.SelfReferral.as_view(), name="self-referral"),
]
