// served by WebPortTest
console.log("webport-test-app");
