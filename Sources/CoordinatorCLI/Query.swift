import ArgumentParser
import AuditStore
import WireFormats

extension MosesCoordinator {
    /// `moses-coordinator query`: read-only SQL over the audit store.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a read-only SQL query against the audit store.",
            discussion: """
                The database is opened read-only (SQLITE_OPEN_READONLY, PRAGMA query_only, SQLite's \
                defensive mode) with an authorizer that rejects writes, schema changes, ATTACH, \
                PRAGMA changes, extension loading and fts3_tokenizer(); it can be queried while the \
                daemon writes (WAL). A statement is stopped after --timeout seconds (a long read \
                also holds back the daemon's WAL checkpoints); SQLite may use at most --max-memory \
                MiB, and no string or blob may exceed 16 MiB.

                Tables: violations, responses, tool_calls, ledger_entries, state_changes, \
                conversations, counters, ledger. Views: violations_by_rule, \
                violations_by_conversation, recent_activity, stats. Times are ms since the epoch.

                Exit status: 0 on success, 1 when the database cannot be opened or the query \
                fails, is rejected or runs out of its memory, 3 when it was stopped at --timeout, \
                64 on bad usage.

                Example:
                  moses-coordinator query --format csv \\
                    "SELECT rule, violations FROM violations_by_rule ORDER BY violations DESC"
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Output format.")
        var format: QueryOutputFormat = .table

        @Flag(help: "Print the tables and views with their columns instead of running a query.")
        var schema = false

        @Option(help: ArgumentHelp("Stop the statement after this many seconds.", valueName: "seconds"))
        var timeout: Double = 10

        @Option(help: ArgumentHelp("The memory SQLite may use, in MiB.", valueName: "mib"))
        var maxMemory: Int = 256

        @Argument(help: "One SQL statement (SELECT, WITH, read-only PRAGMA).")
        var sql: String?

        /// The exit status of a statement stopped at its time limit.
        static let timedOut = ExitCode(3)
        /// The longest string or blob a query may build or read. Stored values are far
        /// smaller (details and commands are kilobytes); this stops `printf('%.*c', 2e9, 'x')`
        /// at 16 MiB instead of 2 GB.
        static let maxValueBytes: Int32 = 16 * 1024 * 1024

        func validate() throws {
            if schema && sql != nil { throw ValidationError("Give either --schema or a SQL statement, not both.") }
            if !schema && sql == nil { throw ValidationError("Give a SQL statement to run, or --schema.") }
            // Up to a day: a bound, and far from overflowing nanoseconds.
            guard timeout.isFinite, timeout > 0, timeout <= 86_400 else {
                throw ValidationError("--timeout \(timeout): give seconds between 0 and 86400 (e.g. 10 or 0.5).")
            }
            guard (16...1_048_576).contains(maxMemory) else {
                throw ValidationError("--max-memory \(maxMemory): give MiB between 16 and 1048576.")
            }
        }

        func run() throws {
            Database.limitHeap(toBytes: Int64(maxMemory) * 1024 * 1024)
            let database = try AuditDatabase.openReader(path: store.db)
            database.limitValueLength(toBytes: Self.maxValueBytes)
            database.limitStatementTime(toNanoseconds: UInt64(timeout * 1e9))
            do {
                try runStatement(on: database)
            } catch let error as DatabaseError where error.code == .interrupted {
                StandardError.write("query stopped: \(error.message) (--timeout \(timeout)); nothing more was read")
                throw Self.timedOut
            }
        }

        private func runStatement(on database: Database) throws {
            let output = try OutputFile(path: nil)
            if schema {
                try printSchema(of: database, to: output)
            } else if let sql {
                let statement = try database.makeStatement(sql: sql)
                var renderer = QueryRenderer(format: format, columns: (0..<statement.columnCount).map(statement.columnName))
                renderer.begin(output)
                while try statement.step() {
                    renderer.row((0..<statement.columnCount).map(statement.value(at:)), output)
                }
                renderer.end(output)
            }
            try output.finish()
        }

        private func printSchema(of database: Database, to output: OutputFile) throws {
            for object in try AuditDatabase.schemaObjects(in: database) {
                output.write("\(object.type) \(object.name)\n")
                for column in object.columns {
                    output.write(column.type.isEmpty ? "  \(column.name)\n" : "  \(column.name) \(column.type)\n")
                }
            }
        }
    }
}

/// The `--db` option shared by the store's commands.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The audit store's SQLite database.", valueName: "path"), completion: .file())
    var db: String = AuditDatabase.defaultPath
}

/// How `query` prints rows.
enum QueryOutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// Aligned columns for people (buffers the result to size the columns).
    case table
    /// RFC 4180 CSV with a header line.
    case csv
    /// One JSON array of objects.
    case json
    /// One JSON object per line.
    case jsonl
}

/// Renders query rows in a `QueryOutputFormat`, streaming except for `table`.
struct QueryRenderer {
    let format: QueryOutputFormat
    let columns: [String]
    private var tableRows: [[String]] = []
    private var rowCount = 0

    init(format: QueryOutputFormat, columns: [String]) {
        self.format = format
        self.columns = columns
    }

    mutating func begin(_ output: OutputFile) {
        switch format {
        case .csv: output.write(columns.map(Self.csvField).joined(separator: ",") + "\n")
        case .json: output.write("[")
        case .table, .jsonl: break
        }
    }

    mutating func row(_ values: [DatabaseValue], _ output: OutputFile) {
        defer { rowCount += 1 }
        switch format {
        case .table:
            tableRows.append(values.map(Self.plainText))
        case .csv:
            output.write(values.map { Self.csvField(Self.plainText($0)) }.joined(separator: ",") + "\n")
        case .json:
            output.write((rowCount == 0 ? "\n" : ",\n") + jsonObject(values))
        case .jsonl:
            output.write(jsonObject(values) + "\n")
        }
    }

    mutating func end(_ output: OutputFile) {
        switch format {
        case .table:
            var widths = columns.map(\.count)
            for row in tableRows {
                for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
            }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { index, cell in
                    index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
                }.joined(separator: "  ") + "\n"
            }
            output.write(line(columns))
            output.write(line(widths.map { String(repeating: "-", count: $0) }))
            for row in tableRows { output.write(line(row)) }
            output.write("(\(tableRows.count) row\(tableRows.count == 1 ? "" : "s"))\n")
        case .json: output.write(rowCount == 0 ? "]\n" : "\n]\n")
        case .csv, .jsonl: break
        }
    }

    private func jsonObject(_ values: [DatabaseValue]) -> String {
        let members = zip(columns, values).map { column, value in JSONValue.Member(column, Self.json(value)) }
        return JSONValue.object(members).pythonJSONString(.canonical)
    }

    static func json(_ value: DatabaseValue) -> JSONValue {
        switch value {
        case .null: .null
        case .integer(let number): .number(String(number))
        case .real(let number): number.isFinite ? .number(String(number)) : .null
        case .text(let text): .string(text)
        case .blob(let bytes): .string(hex(bytes))
        }
    }

    static func plainText(_ value: DatabaseValue) -> String {
        switch value {
        case .null: ""
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .text(let text): text
        case .blob(let bytes): "x'\(hex(bytes))'"
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
    }
}
