from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("hub/switch/", views.switch_hub, name="switch-hub"),
    path("accounts/sign-in/", views.SignInView.as_view(), name="login"),
    path("accounts/sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", views.two_factor, name="two-factor"),
    path(
        "accounts/password-reset/",
        views.PasswordResetView.as_view(
            template_name="core/password_reset.html",
            email_template_name="core/password_reset_email.txt",
            success_url=reverse_lazy("core:password-reset-sent"),
        ),
        name="password-reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="core/password_reset_confirm.html",
            success_url=reverse_lazy("core:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="core/password_reset_complete.html"),
        name="password-reset-complete",
    ),
]
