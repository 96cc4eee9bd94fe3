namespace Holt.Monitor;

/// <summary>
/// The watched interface from one round to the next: it counts the times it went away (a flap: <c>wg-quick down</c>
/// and up, a crashed tunnel process) and turns its byte counters into rates. A counter that went down is a new
/// interface: no rate for that round, and the new value is the reference.
/// </summary>
internal sealed class LinkWatch
{
    private bool _wasUp;
    private long _flaps;
    private (ulong Received, ulong Sent, DateTimeOffset At)? _last;

    public LinkView Observe(bool up, (ulong Received, ulong Sent)? bytes, DateTimeOffset now)
    {
        if (_wasUp && !up)
        {
            _flaps++;
        }

        _wasUp = up;
        double? receiveRate = null;
        double? sendRate = null;
        if (bytes is (ulong received, ulong sent))
        {
            if (_last is (ulong lastReceived, ulong lastSent, DateTimeOffset at) && now > at && received >= lastReceived && sent >= lastSent)
            {
                double seconds = (now - at).TotalSeconds;
                receiveRate = Math.Round((received - lastReceived) / seconds, 1);
                sendRate = Math.Round((sent - lastSent) / seconds, 1);
            }

            _last = (received, sent, now);
        }
        else
        {
            _last = null;
        }

        return new LinkView(up, _flaps, bytes?.Received, bytes?.Sent, receiveRate, sendRate);
    }
}
