using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Holt.Text;
using Microsoft.AspNetCore.Http;

namespace Holt.Dashboard;

/// <summary>The API's plumbing: JSON answers and errors, bodies read with a limit, and changes run off Kestrel's threads.</summary>
internal static class Api
{
    public static string Version { get; } =
        typeof(Api).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// Compact copies of the models' serializer options: the CLI prints them indented for people, while the page
    /// takes them without the whitespace, a third less to send with 1,000 peers. Same contexts, same members.
    /// </summary>
    private static readonly ConcurrentDictionary<JsonSerializerOptions, JsonSerializerOptions> s_compact = new();

    public static async Task Json<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        HttpResponse response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.Body, value, Compact(type), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The same model's type information without indentation.</summary>
    public static JsonTypeInfo<T> Compact<T>(JsonTypeInfo<T> type)
    {
        if (!type.Options.WriteIndented)
        {
            return type;
        }

        JsonSerializerOptions compact = s_compact.GetOrAdd(type.Options, static options =>
        {
            var copy = new JsonSerializerOptions(options) { WriteIndented = false };
            copy.MakeReadOnly();
            return copy;
        });
        return (JsonTypeInfo<T>)compact.GetTypeInfo(typeof(T));
    }

    public static Task Error(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return Json(context, new ErrorView(message), DashboardJson.Default.ErrorView);
    }

    public static string Route(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? "";

    /// <summary>
    /// The request's JSON body as a <typeparamref name="T"/>, or null after answering 400 or 415: the body must be
    /// declared JSON (which a cross-site form cannot send without a preflight), be at most
    /// <see cref="DashboardServer.MaxBodyBytes"/>, and name no member <typeparamref name="T"/> does not have.
    /// </summary>
    public static async Task<T?> Body<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        HttpRequest request = context.Request;
        if (request.ContentType is not string contentType || !contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await Error(context, StatusCodes.Status415UnsupportedMediaType, "the body must be JSON (Content-Type: application/json)").ConfigureAwait(false);
            return null;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, context.RequestAborted).ConfigureAwait(false)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            await Error(context, StatusCodes.Status400BadRequest, "the body is not the JSON this takes: " + OneLine(e.Message)).ConfigureAwait(false);
            return null;
        }
        catch (BadHttpRequestException e)
        {
            await Error(context, e.StatusCode, "the body could not be read: " + OneLine(e.Message)).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// Runs a change on the thread pool (it takes holt.toml's lock, runs nft and talks to the interface), and answers
    /// with its result, or with its refusal as a 400 in one line. A refused change has changed nothing.
    /// </summary>
    public static async Task Change<T>(HttpContext context, Func<(int Status, T Value)> change, JsonTypeInfo<T> type)
    {
        (int Status, T Value) result;
        try
        {
            result = await Task.Run(change, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CommandException e)
        {
            await Error(context, StatusCodes.Status400BadRequest, OneLine(e.Message)).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = result.Status;
        await Json(context, result.Value, type).ConfigureAwait(false);
    }

    private static string OneLine(string text) => Printable.Of(text.ReplaceLineEndings(" "));
}
