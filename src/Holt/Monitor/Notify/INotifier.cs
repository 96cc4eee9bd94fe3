namespace Holt.Monitor.Notify;

/// <summary>How one attempt to send went.</summary>
internal enum SendOutcome
{
    Delivered,

    /// <summary>Worth trying again later: a timeout, a refused connection, a 5xx, 408 or 429.</summary>
    Failed,

    /// <summary>Never worth trying again as it is: a 4xx (the request itself is wrong), a redirect, a 5xx mail reply.</summary>
    Refused,
}

/// <summary>The outcome of one send and, unless delivered, why in one printable line free of secrets.</summary>
internal readonly record struct SendResult(SendOutcome Outcome, string? Error)
{
    public static SendResult Delivered { get; } = new(SendOutcome.Delivered, null);

    public static SendResult Failed(string error) => new(SendOutcome.Failed, error);

    public static SendResult Refused(string error) => new(SendOutcome.Refused, error);

    public bool Ok => Outcome == SendOutcome.Delivered;
}

/// <summary>
/// One configured notifier: formats alert messages for its service and sends them. A send never throws (but for
/// cancellation by its caller): every failure is a <see cref="SendResult"/>.
/// </summary>
internal interface INotifier
{
    NotifierConfig Config { get; }

    /// <summary>How many messages one send may carry: more than one only where the format has a list of alerts.</summary>
    int MaxBatch { get; }

    Task<SendResult> SendAsync(IReadOnlyList<AlertMessage> messages, DateTimeOffset now, CancellationToken cancel);
}
