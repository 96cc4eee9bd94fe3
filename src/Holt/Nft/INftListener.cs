namespace Holt.Nft;

/// <summary>What an <see cref="NftMonitor"/> reports, on the monitor's thread. Keep each call short and never throw.</summary>
internal interface INftListener
{
    /// <summary>A transaction was committed (or, with no generation, the kernel changed tables outside one).</summary>
    void OnTransaction(NftTransaction transaction);

    /// <summary>Notifications were lost (the socket overflowed, or a message was unreadable): anything may have changed.</summary>
    void OnLost();
}
