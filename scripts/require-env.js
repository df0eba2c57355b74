// Fails with a clear message when a variable a suite needs is not set.
for (const name of process.argv.slice(2)) {
  if (!process.env[name]) {
    console.error(`${name} is not set; e.g. ${name}=postgres://postgres@127.0.0.1:5432/test`);
    process.exit(1);
  }
}
