using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Holt.Dashboard;

/// <summary>
/// The page's files, embedded in the binary at build time (Holt's own HTML, script and style, and uPlot from npm):
/// no CDN, nothing read from disk, so the page works offline and cannot be swapped on the server. Only the names
/// embedded exist; each answers with its type and an ETag, so a browser revalidates instead of downloading again.
/// </summary>
internal static class Assets
{
    private const string Prefix = "holt.web.";

    private static readonly Lazy<FrozenDictionary<string, Asset>> s_assets = new(Load);

    public static IReadOnlyCollection<string> Names => s_assets.Value.Keys;

    public static Task Index(HttpContext context) => Write(context, "index.html");

    public static Task Serve(HttpContext context) => Write(context, Api.Route(context, "file"));

    /// <summary>The embedded file's bytes, or null when there is none of that name.</summary>
    public static byte[]? Find(string name) => s_assets.Value.TryGetValue(name, out Asset? asset) ? asset.Content : null;

    private static Task Write(HttpContext context, string name)
    {
        if (!s_assets.Value.TryGetValue(name, out Asset? asset))
        {
            return Api.Error(context, StatusCodes.Status404NotFound, "no such file");
        }

        HttpResponse response = context.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.Count == 1 && context.Request.Headers.IfNoneMatch[0] == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.Type;
        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        System.Reflection.Assembly assembly = typeof(Assets).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            byte[] content = memory.ToArray();
            string name = resource[Prefix.Length..];
            string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
            assets[name] = new Asset(content, TypeOf(name), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string TypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string Type, string ETag);
}
