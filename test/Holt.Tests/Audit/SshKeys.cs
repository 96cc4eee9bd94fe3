namespace Holt.Tests.Audit;

/// <summary>Public keys made once with ssh-keygen for the audit's tests, with the fingerprints ssh-keygen -l printed.</summary>
internal static class SshKeys
{
    public const string Rsa1024 =
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDTMdoQEA7l3mRaMnEORJyht2QfFulM10veLIulh5GUWMYcnvSjFZ+4AGSRPweHwzQ8r785n2V/+AXnWVHuhTFXGfuhJvRlweloWA2nBcTsvXcxLrM7qfpCKZqlDu2r7DgbL/xDbR5v4aTra9Uy+Erx3wbYt28hNwfawPI2FfHVtQ== old@laptop";

    public const string Rsa1024Fingerprint = "SHA256:N5zwDeefyPRXESVgQY9tc8XPxLH8/FM1RhUWzmjRny0";

    public const string Rsa3072 =
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCc/sd4b8+SMohA/8ljeZE1d7QHUkUVuxe3nMPK/Qtcskpa6sOuJ3HS7UFIVyze/JTanQFGxIBlnDb2W7+TX3TS45g5G9xz50YwDUhXKt+2/dKSHEDQo/A7htM70/e9+MSF5RP3WIx9biyFzuQn75jhZJaUTOs1TPawBOjRtrKaQVDLo8DvoE5uUHfXftoiWvanYE7TixOQNa2Y1V0zTuEXSwySCbBi+N319DXbk9zVHTCIU9eDixymMo+n26ItVTsiT0Le1aLVoYzK/E5kl1fxCPoUQcz+DvHEHZ2urDk8OX2K7CLMfxrZEt1N7iN+RTJBaSI8PkRL5WqgBe4Y/UfDrdz778xmEGpHJg8/96ODPIcyuiHFIHol56YBnrE730zyKofH2IXY5Md+nDn8n0f8sesu4RhnomuJHKL9EMRM9ml3xy2S+8X2vv/rr4W9YaULOTDlMm4p8U/3odGGq33h6SymUt/Y8FHnq1ftL3q+to6myLait8dnbM9X/sO9FCM= ok@desk";

    public const string Rsa3072Fingerprint = "SHA256:PHJUcuAHRaN9jhnT7mD9C1n1eqcg4zUYrROzCqNP6aE";

    public const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJif0dYL6jZZkp/2Pz7szFam7lAI5MCQXnmz3LCKup1Z me@phone";

    public const string Ed25519Fingerprint = "SHA256:StNExitaQ17TXh+xFEBkCcKFR08YGTt/wWb8lPfLJ4k";

    public const string Dsa =
        "ssh-dss AAAAB3NzaC1kc3MAAACBAKABfUpFHg90Zu24S8StviuMC+nbMWVHY3O0ZojcI6oj2BPxNoKEzWyLJFK2GrfXPDDkTaV+lQi2Tgv6rK2GEwoZr3e6xpn+LUzOvkYtsGGUByISsQKZwH8aVDm+l6mfaXDyXVAd/7bAX1i4nujE/P776QnbncwRSl2yoj6co0E9AAAAFQCTuuDya3PlBKNDP3WPwU3egLn+4QAAAIEAgoNM4iCH1qx7pTR8PKjj9LItT/RNn2mgBN5oizyERewzFe6v/MIBZCjpNc3BycsBDLOIKnD39heM0d1WIUrPfIEjewbOg30eH4IneTzGDWZQ6EtttXyxFx6L/T3UUK+s4d153EWvRiQjPKwr6hy/RDcLVBUU6WPPGyyCYUid2p0AAACBAIYOlUuxKRSK+5erSGhyxBvDmXs9dR1MnxKaGszYA4EKglVFTzjhptLAVw76ZXEqA1kBwgh5fRZ/zS7ECRLdsL/OH4bYhRL1T6RqBxH51BoIi5yx5Lcz/s/QD3ZJSIavUpWcaRvxY0atn5cq8Bq9vIPiIE4Ibx4oiMt/ukFgWPp0 ancient";

    public const string DsaFingerprint = "SHA256:6dFbRAC26CwsbjImz+1tNJfR9sGUrDLmKZB02NbQCnQ";
}
