using System.Globalization;
using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters;

/// <summary>The group of the matter page an action's form is drawn in: 办理 (handle), 督办 (supervise), 更正 (correct).</summary>
public enum ActionSection
{
    Handle,
    Supervise,
    Correct,
}

/// <summary>A text in both languages, zh-CN first: a module's labels travel with its code.</summary>
public sealed record Bilingual(string Zh, string En)
{
    public string For(CultureInfo culture) => culture.Name.StartsWith("en", StringComparison.Ordinal) ? En : Zh;

    public string Current => For(CultureInfo.CurrentUICulture);
}

/// <summary>
/// An event a matter's chain records: its name there, its label on the timeline, and what the
/// raiser's tracking page says of it (null: the public sees nothing of it).
/// </summary>
public sealed record MatterEventInfo(string Name, Bilingual Label, Func<MatterEvent, string?>? PublicMessage = null);

/// <summary>
/// One form of an action on the matter page: drawn by <paramref name="Component"/> (a
/// <c>MatterFormBase</c>), read into the action's request by <paramref name="Read"/> when posted.
/// </summary>
/// <param name="Name">The form's name (its <c>@formname</c>, and the page's <c>?done=</c>), unique among all forms.</param>
/// <param name="Label">Its heading or button.</param>
/// <param name="Section">Its group on the page; null: the action's.</param>
/// <param name="Shown">Besides the action's <c>Allows</c>: whether this form of it is offered now (approve or refuse an extension only when one is asked).</param>
/// <param name="Primary">Drawn as the main button of its group.</param>
public sealed record MatterFormInfo(string Name, Bilingual Label, Type Component, Func<FormPost, ValueTask<Result<object>>> Read,
    ActionSection? Section = null, Func<ActionContext, bool>? Shown = null, bool Primary = false);

/// <summary>A form's post: the request's fields, the matter, who posts, and the request's services.</summary>
public sealed record FormPost(HttpContext Http, long MatterId, Actor Actor, IServiceProvider Services, CancellationToken Aborted)
{
    /// <summary>A posted field, trimmed; null when empty.</summary>
    public string? Text(string field) =>
        Http.Request.HasFormContentType && Http.Request.Form.TryGetValue(field, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;

    /// <summary>The version of the matter the posting page showed: a matter changed since is refused (stale_version).</summary>
    public int? Version => int.TryParse(Text("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    public int? Number(string field) => int.TryParse(Text(field), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>A date typed in a form as the end of that China day (24:00), or null.</summary>
    public DateTimeOffset? EndOfDay(string field) =>
        DateOnly.TryParseExact(Text(field), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year < 9999
            ? Clock.StartOfChinaDay(d.AddDays(1)) : null;

    public static ValueTask<Result<object>> Ok(object request) => ValueTask.FromResult<Result<object>>(request);

    /// <summary>The files chosen in the form's <c>attachments</c> part (a form with <c>enctype="multipart/form-data"</c>), for an <see cref="IAttachmentRequest"/>.</summary>
    public async Task<IReadOnlyList<Attachments.PhotoUpload>> FilesAsync()
    {
        if (!Http.Request.HasFormContentType) return [];
        var options = Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Attachments.AttachmentOptions>>().Value;
        return await Attachments.StaffFiles.FromFormAsync(await Http.Request.ReadFormAsync(Aborted), options.MaxStaffFileBytes, Aborted);
    }
}

/// <summary>What an action is: everything the API, the matter page, the timeline and the tracking page need to know of it.</summary>
/// <param name="Name">Its route: POST /api/v1/matters/{id}/{Name}; the names in <c>availableActions</c>.</param>
/// <param name="Section">Its group on the matter page (a form may say otherwise).</param>
/// <param name="RequestType">The JSON body it takes.</param>
/// <param name="Label">Its name for people.</param>
/// <param name="Events">The events it appends, labelled, with what the raiser's tracking page says of each.</param>
/// <param name="Forms">Its forms on the matter page (none: API only).</param>
/// <param name="Tag">Its OpenAPI tag.</param>
/// <param name="Summary">Its OpenAPI summary.</param>
public sealed record MatterActionInfo(string Name, ActionSection Section, Type RequestType, Bilingual Label, IReadOnlyList<MatterEventInfo> Events,
    IReadOnlyList<MatterFormInfo> Forms, string Tag = "Matters", string? Summary = null);

/// <summary>
/// Who asks, on what, when: what an action's <c>Allows</c> reads. The matter is loaded with its
/// assignments and facets; <see cref="OpenReturnState"/> is the state of its return waiting for a judgement, if any.
/// </summary>
public sealed record ActionContext(MatterScope Scope, Actor Actor, Matter Matter, DateTimeOffset Now, string? OpenReturnState, MatterClock Clock);

/// <summary>
/// A request that carries members of the modules as well as its own: whatever its type does not bind
/// ([JsonExtensionData], a <c>Dictionary&lt;string, JsonElement&gt;</c>) reaches the facets as <see cref="ActionStep.Extensions"/>.
/// </summary>
public interface IExtensibleRequest
{
    Dictionary<string, System.Text.Json.JsonElement>? Extensions { get; }
}

/// <summary>
/// A request that may carry files (附件: an outcome's rectification photos and documents). The API takes it as JSON, or
/// as <c>multipart/form-data</c> with the request's members as fields and the files in the part <c>attachments</c>; the
/// matter page's form posts the same. The action hands <see cref="Attachments"/> to <see cref="MatterWorkflow.RunAsync"/>,
/// which checks them (Features/Attachments, <c>StaffFiles</c>), stores them with the step and lists each one's SHA-256
/// and size in the step's event. JSON carries no files (they would come as base64, all in memory before any check).
/// </summary>
public interface IAttachmentRequest
{
    IReadOnlyList<Attachments.PhotoUpload>? Attachments { get; }

    /// <summary>The same request carrying <paramref name="files"/>.</summary>
    IAttachmentRequest WithAttachments(IReadOnlyList<Attachments.PhotoUpload> files);
}

/// <summary>
/// An action on an existing matter (交办, 签收, 催办…): one class in its own file, registered with
/// <see cref="MatterRegistrations.AddMatterAction{TAction}"/>. The API maps it, the matter
/// page draws its forms, and <c>availableActions</c> lists it, all from its <see cref="Info"/> and <see cref="Allows"/>.
/// </summary>
public interface IMatterAction
{
    MatterActionInfo Info { get; }

    /// <summary>
    /// May the actor take it now? The predicate the action's own check is made of (the states it
    /// starts from, who may take it): what to offer. The action stays the authority on the rest
    /// (a closed window, a policy's limit, a stale version).
    /// </summary>
    bool Allows(ActionContext context);

    Task<Result<Matter>> RunAsync(long id, object request, Actor actor, CancellationToken ct);
}

/// <summary>An action that describes itself without an instance, so the API is mapped and the registry built before any request.</summary>
public interface IDescribedAction
{
    static abstract MatterActionInfo Describe { get; }
}

/// <summary>The base of an action taking <typeparamref name="TRequest"/>: its typed entry point and its description.</summary>
public abstract class MatterAction<TSelf, TRequest> : IMatterAction, IActionRequest<TRequest>
    where TSelf : MatterAction<TSelf, TRequest>, IDescribedAction
    where TRequest : class
{
    public MatterActionInfo Info => TSelf.Describe;

    public abstract bool Allows(ActionContext context);

    public abstract Task<Result<Matter>> ExecuteAsync(long id, TRequest request, Actor actor, CancellationToken ct);

    Task<Result<Matter>> IMatterAction.RunAsync(long id, object request, Actor actor, CancellationToken ct) =>
        ExecuteAsync(id, (TRequest)request, actor, ct);
}

/// <summary>The request type an action takes, so the registry can hold it to the one its description names.</summary>
public interface IActionRequest<TRequest>;

/// <summary>One registered action: its description and its class (a scoped service).</summary>
public sealed record MatterActionRegistration(MatterActionInfo Info, Type ActionType);

/// <summary>An event some other code appends (registration, the supervision job's steps), labelled for the timeline and the tracking page.</summary>
public sealed record MatterEventRegistration(MatterEventInfo Info);

/// <summary>
/// The registered actions, in registration order, and every event label: the one list the API,
/// the matter page, <c>availableActions</c>, the timeline and the tracking page read.
/// </summary>
public sealed class MatterActions
{
    private readonly Dictionary<string, MatterActionRegistration> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (MatterActionRegistration Action, MatterFormInfo Form)> byForm = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MatterEventInfo> events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> actionOfEvent = new(StringComparer.Ordinal);

    /// <summary>Form names the matter page uses for itself.</summary>
    private static readonly string[] PageForms = ["reveal"];

    private readonly MatterKinds kinds;

    public MatterActions(IEnumerable<MatterActionRegistration> actions, IEnumerable<MatterEventRegistration> otherEvents, MatterKinds kinds)
    {
        this.kinds = kinds;
        All = [.. actions];
        foreach (var a in All)
        {
            // A registration that contradicts another is a bug of the module: the start stops, naming it.
            if (!byName.TryAdd(a.Info.Name, a)) throw new InvalidOperationException($"Two actions are named {a.Info.Name}.");
            if (Array.Find(a.ActionType.GetInterfaces(), i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IActionRequest<>)) is { } typed
                && typed.GetGenericArguments()[0] != a.Info.RequestType)
                throw new InvalidOperationException($"Action {a.Info.Name} describes its request as {a.Info.RequestType.Name} but takes {typed.GetGenericArguments()[0].Name}.");
            foreach (var f in a.Info.Forms)
            {
                if (PageForms.Contains(f.Name) || !byForm.TryAdd(f.Name, (a, f))) throw new InvalidOperationException($"The form name {f.Name} is taken.");
            }
            foreach (var e in a.Info.Events)
            {
                if (!events.TryAdd(e.Name, e)) throw new InvalidOperationException($"Two registrations label the event {e.Name}.");
                actionOfEvent[e.Name] = a.Info.Name;
            }
        }
        foreach (var e in otherEvents)
        {
            if (!events.TryAdd(e.Info.Name, e.Info)) throw new InvalidOperationException($"Two registrations label the event {e.Info.Name}.");
        }
        // A limit naming an action nobody registered would refuse it silently: a misspelt name stops the start.
        foreach (var limit in kinds.Limits)
        {
            if (!kinds.IsKind(limit.Kind)) throw new InvalidOperationException($"An action limit names the kind {limit.Kind}, which is not registered.");
            if (limit.Actions.FirstOrDefault(a => !byName.ContainsKey(a)) is { } unknown)
                throw new InvalidOperationException($"The action limit of {limit.Kind} names the action {unknown}, which is not registered.");
        }
    }

    public IReadOnlyList<MatterActionRegistration> All { get; }

    public MatterActionRegistration? Find(string name) => byName.GetValueOrDefault(name);

    public (MatterActionRegistration Action, MatterFormInfo Form)? FindForm(string name) =>
        byForm.TryGetValue(name, out var found) ? found : null;

    /// <summary>The registered action that appends the event, if one does.</summary>
    public string? ActionOf(string eventName) => actionOfEvent.GetValueOrDefault(eventName);

    /// <summary>Refuses the event's action on a matter whose kind does not offer it (KindTraits.Actions), or null.</summary>
    public Error? RefusedForKind(Matter m, string eventName) => ActionOf(eventName) is { } action ? kinds.Refuses(m.Kind, action) : null;

    /// <summary>Every event's label and public message, by its name in the chain.</summary>
    public MatterEventInfo? Event(string name) => events.GetValueOrDefault(name);

    /// <summary>The action's instance for this request's scope.</summary>
    public static IMatterAction Instance(IServiceProvider services, MatterActionRegistration registration) =>
        (IMatterAction)services.GetRequiredService(registration.ActionType);

    /// <summary>The names of the actions the context's actor may take on its matter now (those its kind offers), in registration order.</summary>
    public IReadOnlyList<string> Allowed(IServiceProvider services, ActionContext context) =>
        [.. All.Where(a => Allows(services, a.Info.Name, context)).Select(a => a.Info.Name)];

    /// <summary>May the context's actor take the named action on its matter now?</summary>
    public bool Allows(IServiceProvider services, string action, ActionContext context) =>
        Find(action) is { } a && kinds.Refuses(context.Matter.Kind, action) is null && Instance(services, a).Allows(context);
}

/// <summary>How a module registers its parts with the core: one line each in its services.</summary>
public static class MatterRegistrations
{
    /// <summary>Registers an action: a scoped service, mapped by the API, drawn by the matter page, listed in <c>availableActions</c>.</summary>
    public static IServiceCollection AddMatterAction<TAction>(this IServiceCollection services)
        where TAction : class, IMatterAction, IDescribedAction
    {
        services.AddScoped<TAction>();
        services.AddSingleton(new MatterActionRegistration(TAction.Describe, typeof(TAction)));
        return services;
    }

    /// <summary>Registers a facet (a singleton): loaded, hashed, described and drawn with every matter.</summary>
    public static IServiceCollection AddMatterFacet<TFacet>(this IServiceCollection services) where TFacet : MatterFacet
    {
        services.AddSingleton<TFacet>();
        services.AddSingleton<MatterFacet>(sp => sp.GetRequiredService<TFacet>());
        return services;
    }

    /// <summary>Labels an event that no registered action appends (registration, an automatic step).</summary>
    public static IServiceCollection AddMatterEvent(this IServiceCollection services, MatterEventInfo info)
    {
        services.AddSingleton(new MatterEventRegistration(info));
        return services;
    }
}
