using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public enum ParcelState
{
    Created,
    InTransit,
    Delivered,
}

/// <summary>A field-mapped message with every supported property type, two renamed fields, and every nullable form.</summary>
[StreamFields]
public sealed record FieldMappedOrder(
    string Id,
    bool Paid,
    byte Priority,
    sbyte Offset,
    short Region,
    ushort Warehouse,
    int Quantity,
    uint Version,
    long Sequence,
    ulong Checksum,
    float Weight,
    double Distance,
    [property: StreamField("amount")] decimal Amount,
    ParcelState State,
    Guid CustomerId,
    DateTime PlacedAt,
    [property: StreamField("at")] DateTimeOffset CreatedAt,
    TimeSpan Timeout,
    byte[] Signature)
{
    [StreamField("note")]
    public string? Comment { get; init; }

    public bool? Gift { get; init; }

    public byte? MaybePriority { get; init; }

    public sbyte? MaybeOffset { get; init; }

    public short? MaybeRegion { get; init; }

    public ushort? MaybeWarehouse { get; init; }

    public int? MaybeQuantity { get; init; }

    public uint? MaybeVersion { get; init; }

    public long? MaybeSequence { get; init; }

    public ulong? MaybeChecksum { get; init; }

    public float? MaybeWeight { get; init; }

    public double? MaybeDistance { get; init; }

    public decimal? Discount { get; init; }

    public ParcelState? PreviousState { get; init; }

    public Guid? CouponId { get; init; }

    public DateTime? ShippedAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    public TimeSpan? Delay { get; init; }

    public byte[]? Attachment { get; init; }
}

/// <summary>What the field-mapped handler got, and the culture it ran under.</summary>
public sealed record SeenFieldMappedOrder(string Id, FieldMappedOrder Order, string Culture);

public sealed class FieldMappedOrderHandlers
{
    [StreamHandler("rt:fields", Group = "g-fields")]
    public static void Handle(FieldMappedOrder order, StreamMessageContext context, Probe<SeenFieldMappedOrder> probe) =>
        probe.Add(new SeenFieldMappedOrder(context.Id, order, CultureInfo.CurrentCulture.Name));
}

/// <summary>
/// <c>[StreamFields]</c> messages end to end: published field by field through <see cref="IStreamPublisher"/>, bound by
/// the generated mapper, values in the invariant culture whatever the current one, and binding failures dead-lettered.
/// </summary>
public sealed class FieldMappingTests(ITestOutputHelper output)
{
    private const string Stream = "rt:fields";
    private const string Group = "g-fields";

    /// <summary>A culture that writes 12.5 as "12,5" and reads "12.5" as 125: any culture-bound conversion would show.</summary>
    private static readonly CultureInfo German = CultureInfo.GetCultureInfo("de-DE");

    private static readonly FieldMappedOrder Full = new(
        Id: "o-1",
        Paid: true,
        Priority: 200,
        Offset: -5,
        Region: -1234,
        Warehouse: 65000,
        Quantity: -123456,
        Version: 4_000_000_000,
        Sequence: -9_000_000_000_000,
        Checksum: 18_000_000_000_000_000_000,
        Weight: 0.1f,
        Distance: 1.0 / 3.0,
        Amount: 12.5m,
        State: ParcelState.InTransit,
        CustomerId: Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        PlacedAt: new DateTime(2025, 3, 14, 15, 9, 26, DateTimeKind.Utc).AddTicks(5_358_979),
        CreatedAt: new DateTimeOffset(2025, 3, 14, 15, 9, 26, 123, TimeSpan.FromHours(2)),
        Timeout: new TimeSpan(1, 2, 3, 4, 500),
        Signature: [1, 2, 3, 250])
    {
        Comment = "fragile, handle with care",
        Gift = false,
        MaybePriority = 7,
        MaybeOffset = -128,
        MaybeRegion = 32767,
        MaybeWarehouse = 0,
        MaybeQuantity = 42,
        MaybeVersion = 1,
        MaybeSequence = long.MinValue,
        MaybeChecksum = ulong.MaxValue,
        MaybeWeight = -2.5f,
        MaybeDistance = 1e-300,
        Discount = -0.75m,
        PreviousState = ParcelState.Created,
        CouponId = Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        ShippedAt = new DateTime(2025, 3, 15, 8, 0, 0, DateTimeKind.Utc),
        DeliveredAt = new DateTimeOffset(2025, 3, 16, 18, 30, 0, TimeSpan.FromHours(-5)),
        Delay = TimeSpan.FromMinutes(-90),
        Attachment = [0, 255],
    };

    /// <summary>Every field of <see cref="Full"/> as the server must hold it: in declaration order, invariant text.</summary>
    private static readonly (string Name, string Value)[] FullFields =
    [
        ("Id", "o-1"),
        ("Paid", "true"),
        ("Priority", "200"),
        ("Offset", "-5"),
        ("Region", "-1234"),
        ("Warehouse", "65000"),
        ("Quantity", "-123456"),
        ("Version", "4000000000"),
        ("Sequence", "-9000000000000"),
        ("Checksum", "18000000000000000000"),
        ("Weight", "0.1"),
        ("Distance", "0.3333333333333333"),
        ("amount", "12.5"),
        ("State", "InTransit"),
        ("CustomerId", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        ("PlacedAt", "2025-03-14T15:09:26.5358979Z"),
        ("at", "2025-03-14T15:09:26.1230000+02:00"),
        ("Timeout", "1.02:03:04.5000000"),
        ("Signature", "AQID+g=="),
        ("note", "fragile, handle with care"),
        ("Gift", "false"),
        ("MaybePriority", "7"),
        ("MaybeOffset", "-128"),
        ("MaybeRegion", "32767"),
        ("MaybeWarehouse", "0"),
        ("MaybeQuantity", "42"),
        ("MaybeVersion", "1"),
        ("MaybeSequence", "-9223372036854775808"),
        ("MaybeChecksum", "18446744073709551615"),
        ("MaybeWeight", "-2.5"),
        ("MaybeDistance", "1E-300"),
        ("Discount", "-0.75"),
        ("PreviousState", "Created"),
        ("CouponId", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        ("ShippedAt", "2025-03-15T08:00:00.0000000Z"),
        ("DeliveredAt", "2025-03-16T18:30:00.0000000-05:00"),
        ("Delay", "-01:30:00"),
        ("Attachment", "AP8="),
    ];

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Every_supported_type_round_trips_field_by_field_in_the_invariant_culture(ServerKind kind)
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = German;
        try
        {
            // The culture really is one that formats differently, so the test can fail if anything uses it.
            Assert.Equal("12,5", 12.5m.ToString(CultureInfo.CurrentCulture));

            await using var server = await TestServer.StartAsync(kind);
            await using var host = await TestHost.StartAsync<FieldMappedOrderHandlers>(server.Server, output, s => s.AddSingleton<Probe<SeenFieldMappedOrder>>());
            var probe = host.Get<Probe<SeenFieldMappedOrder>>();

            var id = await host.Streams.PublishAsync(Stream, Full);

            var seen = await probe.WaitForAsync(s => s.Id == id, "the published order was handled");
            Assert.Equal(German.Name, seen.Culture);
            AssertSameOrder(Full, seen.Order);

            // The raw entry: exactly one field per property, named as declared, each value in invariant text.
            var entry = Assert.Single(await server.Db.StreamRangeAsync(Stream));
            Assert.Equal(id, (string?)entry.Id);
            Assert.Equal(FullFields, Fields(entry));

            await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, Stream, Group) == 0, TimeSpan.FromSeconds(10), "the entry was acknowledged");
            Assert.Empty(await server.Db.StreamRangeAsync(Stream + ":dlq"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Null_nullable_properties_write_no_field_and_read_back_as_null(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<FieldMappedOrderHandlers>(server.Server, output, s => s.AddSingleton<Probe<SeenFieldMappedOrder>>());
        var probe = host.Get<Probe<SeenFieldMappedOrder>>();
        var sparse = Sparse("o-2");

        var id = await host.Streams.PublishAsync(Stream, sparse);

        var seen = await probe.WaitForAsync(s => s.Id == id, "the order without optional values was handled");
        AssertSameOrder(sparse, seen.Order);
        Assert.Null(seen.Order.Comment);
        Assert.Null(seen.Order.MaybeQuantity);
        Assert.Null(seen.Order.PreviousState);
        Assert.Null(seen.Order.DeliveredAt);
        Assert.Null(seen.Order.Attachment);

        // Only the 19 non-nullable properties are on the server: a null writes no field, not an empty one.
        var entry = Assert.Single(await server.Db.StreamRangeAsync(Stream));
        Assert.Equal(FullFields.Take(19).Select(f => f.Name), Fields(entry).Select(f => f.Name));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_missing_or_unparsable_field_is_dead_lettered_at_once_without_calling_the_handler(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<FieldMappedOrderHandlers>(server.Server, output, s => s.AddSingleton<Probe<SeenFieldMappedOrder>>());
        var probe = host.Get<Probe<SeenFieldMappedOrder>>();
        var db = server.Db;

        // Hand-written XADDs, as another producer would write them: one without Quantity, one with a Quantity that is no int.
        var valid = SparseFields("o-3");
        var missing = (string)(await db.StreamAddAsync(Stream, valid.Where(f => f.Name != "Quantity").Select(ToEntry).ToArray()))!;
        var unparsable = (string)(await db.StreamAddAsync(Stream, valid.Select(f => f.Name == "Quantity" ? ("Quantity", "12.5 boxes") : f).Select(ToEntry).ToArray()))!;
        var good = (string)(await db.StreamAddAsync(Stream, valid.Select(ToEntry).ToArray()))!;

        // Processing goes on after the bad entries; in stream order, so they are done by then, and the handler never saw them.
        var handled = await probe.WaitForAsync(s => s.Id == good, "the good entry after the bad ones was handled");
        AssertSameOrder(Sparse("o-3"), handled.Order);
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, Stream, Group) == 0, TimeSpan.FromSeconds(10), "nothing is pending");
        Assert.Equal([good], probe.Snapshot().Select(s => s.Id));

        var dead = (await db.StreamRangeAsync(Stream + ":dlq")).ToDictionary(e => (string)ServerState.Field(e, "dlq:source-id")!);
        Assert.Equal(new[] { missing, unparsable }.Order(), dead.Keys.Order());
        foreach (var entry in dead.Values)
        {
            // At once: the first failed binding dead-letters, with no retry.
            Assert.Equal("1", (string?)ServerState.Field(entry, "dlq:attempts"));
            Assert.Contains("MessageBindingException", (string?)ServerState.Field(entry, "dlq:error-type"), StringComparison.Ordinal);
        }

        var missingError = (string)ServerState.Field(dead[missing], "dlq:error")!;
        Assert.Contains("'Quantity'", missingError, StringComparison.Ordinal);
        Assert.Contains(nameof(FieldMappedOrder), missingError, StringComparison.Ordinal);

        var unparsableError = (string)ServerState.Field(dead[unparsable], "dlq:error")!;
        Assert.Contains("'Quantity'", unparsableError, StringComparison.Ordinal);
        Assert.Contains("'12.5 boxes'", unparsableError, StringComparison.Ordinal);
        Assert.Contains("Int32", unparsableError, StringComparison.Ordinal);

        // The dead letter keeps the original fields, so the entry can be fixed and replayed.
        Assert.Equal("12.5 boxes", (string?)ServerState.Field(dead[unparsable], "Quantity"));
        Assert.Equal("o-3", (string?)ServerState.Field(dead[missing], "Id"));
    }

    [Fact]
    public void The_mapper_rejects_at_the_producer_what_no_consumer_could_read_and_reads_other_producers_leniently()
    {
        var mapper = StreamHandlers.Infrastructure.StreamFieldsMappers<FieldMappedOrder>.Mapper;
        Assert.NotNull(mapper);

        // An enum value without a name would be written as a number, and a null non-nullable string as nothing.
        var undefined = Assert.Throws<ArgumentException>(() => mapper.ToFields(Full with { State = (ParcelState)42 }));
        Assert.Contains("'State'", undefined.Message, StringComparison.Ordinal);
        Assert.Contains("42", undefined.Message, StringComparison.Ordinal);
        var nullId = Assert.Throws<ArgumentException>(() => mapper.ToFields(Full with { Id = null! }));
        Assert.Contains("'Id'", nullId.Message, StringComparison.Ordinal);

        // Booleans in any case, an enum's defined number, a date/time offset without offset (as UTC): accepted.
        var read = mapper.FromFields(Entry(SparseFields("o-4")
            .Select(f => f.Name switch
            {
                "Paid" => ("Paid", "TRUE"),
                "State" => ("State", "2"),
                "at" => ("at", "2025-03-14T15:09:26"),
                _ => f,
            })));
        Assert.True(read.Paid);
        Assert.Equal(ParcelState.Delivered, read.State);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero), read.CreatedAt);
        Assert.Equal(TimeSpan.Zero, read.CreatedAt.Offset);

        // An undefined number, a name in the wrong case, and a long value (shown shortened): binding failures naming the field.
        foreach (var (field, value) in new[] { ("State", "42"), ("State", "intransit"), ("Id", null), ("CustomerId", new string('x', 500)) })
        {
            var fields = SparseFields("o-5").Where(f => f.Name != field || value is not null).Select(f => f.Name == field ? (field, value!) : f);
            var error = Assert.Throws<StreamHandlers.Infrastructure.MessageBindingException>(() => mapper.FromFields(Entry(fields)));
            Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
            Assert.Contains(nameof(FieldMappedOrder), error.Message, StringComparison.Ordinal);
            Assert.True(error.Message.Length < 300, $"The message shows the value shortened: {error.Message}");
        }
    }

    private static StreamEntry Entry(System.Collections.Generic.IEnumerable<(string Name, string Value)> fields) =>
        new("1-0", fields.Select(ToEntry).ToArray());

    /// <summary>An order with every nullable property null.</summary>
    private static FieldMappedOrder Sparse(string id) => Full with
    {
        Id = id,
        Comment = null,
        Gift = null,
        MaybePriority = null,
        MaybeOffset = null,
        MaybeRegion = null,
        MaybeWarehouse = null,
        MaybeQuantity = null,
        MaybeVersion = null,
        MaybeSequence = null,
        MaybeChecksum = null,
        MaybeWeight = null,
        MaybeDistance = null,
        Discount = null,
        PreviousState = null,
        CouponId = null,
        ShippedAt = null,
        DeliveredAt = null,
        Delay = null,
        Attachment = null,
    };

    /// <summary>The fields of <see cref="Sparse"/>, as a hand-written XADD would give them.</summary>
    private static (string Name, string Value)[] SparseFields(string id) =>
        [("Id", id), .. FullFields.Skip(1).Take(18)];

    private static NameValueEntry ToEntry((string Name, string Value) field) => new(field.Name, field.Value);

    private static (string Name, string Value)[] Fields(StreamEntry entry) =>
        entry.Values.Select(v => ((string)v.Name!, (string)v.Value!)).ToArray();

    /// <summary>Equal in every property; the arrays by content, and the kind and offset that equality ignores.</summary>
    private static void AssertSameOrder(FieldMappedOrder expected, FieldMappedOrder actual)
    {
        Assert.Equal(expected.Signature, actual.Signature);
        Assert.Equal(expected.Attachment, actual.Attachment);
        Assert.Equal(expected.PlacedAt.Kind, actual.PlacedAt.Kind);
        Assert.Equal(expected.CreatedAt.Offset, actual.CreatedAt.Offset);
        Assert.Equal(expected.DeliveredAt?.Offset, actual.DeliveredAt?.Offset);
        Assert.Equal(expected.ShippedAt?.Kind, actual.ShippedAt?.Kind);
        Assert.Equal(expected, actual with { Signature = expected.Signature, Attachment = expected.Attachment });
    }
}
