using System.Net;
using Microsoft.AspNetCore.Http;

namespace Holt.Dashboard;

/// <summary>The few pages the server writes itself: refusals, as a small HTML page for a browser and JSON for the API.</summary>
internal static class Pages
{
    public static Task Refuse(HttpContext context, int status, string title, string text)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            return Api.Error(context, status, $"{title}: {text}");
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        string page =
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
            $"<title>{WebUtility.HtmlEncode(title)} - Holt</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head>" +
            $"<body class=\"refusal\"><main><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p></main></body></html>";
        return context.Response.WriteAsync(page, context.RequestAborted);
    }
}
