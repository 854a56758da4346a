"""Single sign-on with any OpenID Connect provider (Keycloak, Auth0, Okta, ...)."""
